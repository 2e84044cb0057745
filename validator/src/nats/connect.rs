//! How the validator connects to NATS: the server URLs and the ways real deployments
//! authenticate (user and password, a token, a `.creds` file, an NKey seed) and encrypt (TLS
//! with a private CA and client certificates).
//!
//! Secrets never come from the command line itself (a process list shows it): each is read
//! from a file or an environment variable, held in a [`Secret`] whose `Debug` prints `***`, and
//! never logged. URLs are logged with any `user:password@` part removed.

use std::path::PathBuf;
use std::time::Duration;

use async_nats::{ConnectOptions, Event};

/// Connection options of `consume` and `publish`.
#[derive(Debug, Clone, clap::Args)]
pub struct ConnectArgs {
    /// NATS server URL(s), comma-separated (`nats://`, `tls://`).
    #[arg(
        long,
        env = "NATS_URL",
        default_value = "nats://127.0.0.1:4222",
        value_name = "URL"
    )]
    pub nats: String,
    /// User name, for user/password authentication (the password from --password-file or
    /// --password-env).
    #[arg(long, env = "NATS_USER", value_name = "NAME")]
    pub user: Option<String>,
    /// Read the password from this file (trailing line end ignored).
    #[arg(long, value_name = "FILE", conflicts_with = "password_env")]
    pub password_file: Option<PathBuf>,
    /// Read the password from this environment variable.
    #[arg(long, value_name = "VAR")]
    pub password_env: Option<String>,
    /// Read an authentication token from this file.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["token_env", "user"])]
    pub token_file: Option<PathBuf>,
    /// Read an authentication token from this environment variable.
    #[arg(long, value_name = "VAR", conflicts_with = "user")]
    pub token_env: Option<String>,
    /// A `.creds` file (JWT and NKey seed, as `nsc` writes it).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["user", "token_file", "token_env"])]
    pub creds: Option<PathBuf>,
    /// Read an NKey seed (`SU...`, as `nk -gen user` writes it) from this file.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["user", "token_file", "token_env", "creds", "nkey_env"])]
    pub nkey_file: Option<PathBuf>,
    /// Read an NKey seed from this environment variable.
    #[arg(long, value_name = "VAR", conflicts_with_all = ["user", "token_file", "token_env", "creds"])]
    pub nkey_env: Option<String>,
    /// Require TLS (implied by `tls://` URLs and the options below).
    #[arg(long)]
    pub tls: bool,
    /// Trust the CA certificates in this PEM file (besides the system's).
    #[arg(long, value_name = "FILE")]
    pub tls_ca: Option<PathBuf>,
    /// Client certificate (PEM), for servers that verify clients; with --tls-key.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The client certificate's private key (PEM).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Connection name shown by the server's monitoring.
    #[arg(long, default_value = "eventcat-validate", value_name = "NAME")]
    pub client_name: String,
}

/// A secret read from a file or the environment. `Debug` never shows it.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Why the validator cannot connect. Messages name files and variables, never their content.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("cannot read the {what} from {path}: {source}")]
    ReadFile {
        what: &'static str,
        path: String,
        source: std::io::Error,
    },
    #[error("the {what} variable {var} is not set (or not UTF-8)")]
    MissingVar { what: &'static str, var: String },
    #[error("the {what} in {origin} is empty")]
    Empty { what: &'static str, origin: String },
    #[error("--user needs a password: --password-file FILE or --password-env VAR")]
    NoPassword,
    #[error("a password needs --user NAME")]
    NoUser,
    #[error(
        "the NKey seed in {origin} is not a user seed (a line starting with SU, as `nk -gen user` writes it)"
    )]
    BadSeed { origin: String },
    #[error("cannot use the credentials in {path}: {source}")]
    Creds {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot connect to {url}: the server refused {given} (authorization violation)")]
    Refused { url: String, given: String },
    #[error("cannot connect to {url}: TLS: {reason}")]
    Tls { url: String, reason: String },
    #[error("{kinds} are all set: serve takes one kind of NATS credentials from the environment")]
    ManyCredentials { kinds: String },
    #[error("{given} is set without {missing}: a client certificate needs both")]
    HalfCertificate {
        given: &'static str,
        missing: &'static str,
    },
    #[error("cannot connect to {url}: {source}")]
    Connect {
        url: String,
        source: async_nats::ConnectError,
    },
}

/// Reads a secret from a file (one trailing line end ignored) or an environment variable.
pub fn read_secret(
    what: &'static str,
    file: Option<&PathBuf>,
    var: Option<&String>,
) -> Result<Option<Secret>, ConnectError> {
    let (text, origin) = match (file, var) {
        (Some(path), _) => (
            std::fs::read_to_string(path).map_err(|source| ConnectError::ReadFile {
                what,
                path: path.display().to_string(),
                source,
            })?,
            path.display().to_string(),
        ),
        (None, Some(var)) => (
            std::env::var(var).map_err(|_| ConnectError::MissingVar {
                what,
                var: var.clone(),
            })?,
            format!("${var}"),
        ),
        (None, None) => return Ok(None),
    };
    let text = text
        .strip_suffix('\n')
        .map(|t| t.strip_suffix('\r').unwrap_or(t))
        .unwrap_or(&text)
        .to_owned();
    if text.is_empty() {
        return Err(ConnectError::Empty { what, origin });
    }
    Ok(Some(Secret(text)))
}

/// `nats://user:pass@host:4222` as `nats://***@host:4222`, for logs and errors.
pub fn redact_url(urls: &str) -> String {
    urls.split(',')
        .map(|url| match (url.find("://"), url.rfind('@')) {
            (Some(scheme), Some(at)) if at > scheme => {
                format!("{}***{}", &url[..scheme + 3], &url[at..])
            }
            (None, Some(at)) => format!("***{}", &url[at..]),
            _ => url.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(",")
}

impl ConnectArgs {
    /// Options for a front-end whose command line names only the server (`serve --good
    /// nats://...`): the rest from the environment, as the `nats` CLI names it where it can:
    /// `NATS_USER` with `NATS_PASSWORD`, `NATS_TOKEN`, `NATS_CREDS` (a `.creds` file),
    /// `NATS_NKEY` (a file holding an NKey seed), and for TLS `NATS_TLS_CA`, `NATS_TLS_CERT`
    /// with `NATS_TLS_KEY` (files). More than one kind of credentials is an error, as it is on
    /// `consume`'s command line.
    pub fn from_env(server: &str) -> Result<Self, ConnectError> {
        let set = |var: &str| std::env::var_os(var).is_some().then(|| var.to_owned());
        let path = |var: &str| std::env::var_os(var).map(PathBuf::from);
        let args = ConnectArgs {
            nats: server.to_owned(),
            user: std::env::var("NATS_USER").ok(),
            password_file: None,
            password_env: set("NATS_PASSWORD"),
            token_file: None,
            token_env: set("NATS_TOKEN"),
            creds: path("NATS_CREDS"),
            nkey_file: path("NATS_NKEY"),
            nkey_env: None,
            tls: server.starts_with("tls://"),
            tls_ca: path("NATS_TLS_CA"),
            tls_cert: path("NATS_TLS_CERT"),
            tls_key: path("NATS_TLS_KEY"),
            client_name: "eventcat-validate serve".to_owned(),
        };
        let kinds: Vec<&str> = [
            ("NATS_USER", args.user.is_some()),
            ("NATS_TOKEN", args.token_env.is_some()),
            ("NATS_CREDS", args.creds.is_some()),
            ("NATS_NKEY", args.nkey_file.is_some()),
        ]
        .into_iter()
        .filter_map(|(var, given)| given.then_some(var))
        .collect();
        if kinds.len() > 1 {
            return Err(ConnectError::ManyCredentials {
                kinds: kinds.join(", "),
            });
        }
        match (&args.tls_cert, &args.tls_key) {
            (Some(_), None) => {
                return Err(ConnectError::HalfCertificate {
                    given: "NATS_TLS_CERT",
                    missing: "NATS_TLS_KEY",
                });
            }
            (None, Some(_)) => {
                return Err(ConnectError::HalfCertificate {
                    given: "NATS_TLS_KEY",
                    missing: "NATS_TLS_CERT",
                });
            }
            _ => {}
        }
        Ok(args)
    }

    /// The async-nats options these arguments describe: authentication, TLS, and reconnecting
    /// for ever (a validator outlives server restarts), with each state change on stderr.
    pub async fn options(&self) -> Result<ConnectOptions, ConnectError> {
        let mut options = ConnectOptions::new();
        let password = read_secret(
            "password",
            self.password_file.as_ref(),
            self.password_env.as_ref(),
        )?;
        match (&self.user, password) {
            (Some(user), Some(password)) => {
                options = options.user_and_password(user.clone(), password.expose().to_owned());
            }
            (Some(_), None) => return Err(ConnectError::NoPassword),
            (None, Some(_)) => return Err(ConnectError::NoUser),
            (None, None) => {}
        }
        if let Some(token) =
            read_secret("token", self.token_file.as_ref(), self.token_env.as_ref())?
        {
            options = options.token(token.expose().to_owned());
        }
        if let Some(seed) =
            read_secret("NKey seed", self.nkey_file.as_ref(), self.nkey_env.as_ref())?
        {
            // Checked here: the client would only say "failed signing nonce".
            let seed = seed.expose().trim();
            if !seed.starts_with("SU") || nkeys::KeyPair::from_seed(seed).is_err() {
                return Err(ConnectError::BadSeed {
                    origin: match (&self.nkey_file, &self.nkey_env) {
                        (Some(path), _) => path.display().to_string(),
                        (None, var) => format!("${}", var.as_deref().unwrap_or_default()),
                    },
                });
            }
            options = options.nkey(seed.to_owned());
        }
        if let Some(path) = &self.creds {
            options =
                options
                    .credentials_file(path)
                    .await
                    .map_err(|source| ConnectError::Creds {
                        path: path.display().to_string(),
                        source,
                    })?;
        }
        if self.tls || self.tls_ca.is_some() || self.tls_cert.is_some() {
            options = options.require_tls(true);
        }
        if let Some(ca) = &self.tls_ca {
            options = options.add_root_certificates(ca.clone());
        }
        if let (Some(cert), Some(key)) = (&self.tls_cert, &self.tls_key) {
            options = options.add_client_certificate(cert.clone(), key.clone());
        }
        let url = redact_url(&self.nats);
        Ok(options
            .name(&self.client_name)
            .max_reconnects(None)
            .connection_timeout(Duration::from_secs(5))
            .reconnect_delay_callback(|attempts| {
                Duration::from_millis((100 * attempts as u64).min(2_000))
            })
            .event_callback(move |event| {
                let url = url.clone();
                async move {
                    match event {
                        Event::Connected => eprintln!("nats: connected to {url}"),
                        Event::Disconnected => {
                            eprintln!("nats: disconnected from {url}, reconnecting")
                        }
                        Event::SlowConsumer(_) => eprintln!("nats: slow consumer"),
                        Event::ServerError(error) => eprintln!("nats: server error: {error}"),
                        Event::ClientError(error) => eprintln!("nats: client error: {error}"),
                        other => eprintln!("nats: {other}"),
                    }
                }
            }))
    }

    /// Which credentials were offered, for a refusal: where they came from, never what they are.
    fn credentials_given(&self) -> String {
        let from = |file: &Option<PathBuf>, var: &Option<String>| match (file, var) {
            (Some(path), _) => path.display().to_string(),
            (None, Some(var)) => format!("${var}"),
            (None, None) => "the URL".to_owned(),
        };
        if let Some(user) = &self.user {
            format!(
                "user {user} with the password from {}",
                from(&self.password_file, &self.password_env)
            )
        } else if self.token_file.is_some() || self.token_env.is_some() {
            format!("the token from {}", from(&self.token_file, &self.token_env))
        } else if self.nkey_file.is_some() || self.nkey_env.is_some() {
            format!(
                "the NKey seed from {}",
                from(&self.nkey_file, &self.nkey_env)
            )
        } else if let Some(creds) = &self.creds {
            format!("the credentials in {}", creds.display())
        } else if self.nats.contains('@') {
            "the credentials in the URL".to_owned()
        } else {
            "a client without credentials (--user, --token-file, --nkey-file, --creds...)"
                .to_owned()
        }
    }

    /// Connects, waiting up to `wait` for a server that is not up yet (connection refused or
    /// timed out); an authentication failure is final at once.
    pub async fn connect(&self, wait: Duration) -> Result<async_nats::Client, ConnectError> {
        let started = std::time::Instant::now();
        let urls: Vec<&str> = self.nats.split(',').map(str::trim).collect();
        loop {
            let options = self.options().await?;
            match options.connect(urls.clone()).await {
                Ok(client) => return Ok(client),
                // A refused certificate is final, like a refused password, though the client
                // reports a failed handshake as an I/O error.
                Err(source) if tls_failure(&source).is_some() => {
                    return Err(ConnectError::Tls {
                        url: redact_url(&self.nats),
                        reason: tls_failure(&source).unwrap_or_default(),
                    });
                }
                Err(source)
                    if source.kind() == async_nats::ConnectErrorKind::AuthorizationViolation =>
                {
                    return Err(ConnectError::Refused {
                        url: redact_url(&self.nats),
                        given: self.credentials_given(),
                    });
                }
                Err(source)
                    if matches!(
                        source.kind(),
                        async_nats::ConnectErrorKind::Io | async_nats::ConnectErrorKind::TimedOut
                    ) && started.elapsed() < wait =>
                {
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
                Err(source) => {
                    return Err(ConnectError::Connect {
                        url: redact_url(&self.nats),
                        source,
                    });
                }
            }
        }
    }
}

/// What went wrong in a TLS handshake, said with the option that fixes it; `None` when the
/// error is not a TLS one.
fn tls_failure(error: &async_nats::ConnectError) -> Option<String> {
    use rustls::{AlertDescription, CertificateError, Error};
    let mut cause: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(error);
    let tls = std::iter::from_fn(|| {
        let this = cause?;
        cause = this.source();
        Some(this)
    })
    .find_map(|e| {
        e.downcast_ref::<Error>().or_else(|| {
            e.downcast_ref::<std::io::Error>()
                .and_then(|io| io.get_ref())
                .and_then(|inner| inner.downcast_ref::<Error>())
        })
    });
    let tls = match tls {
        Some(tls) => tls,
        None if error.kind() == async_nats::ConnectErrorKind::Tls => {
            return Some(error.to_string());
        }
        None => return None,
    };
    let hint = match tls {
        Error::InvalidCertificate(CertificateError::UnknownIssuer) => {
            " (the server's certificate is not signed by a CA this client trusts: --tls-ca FILE names a private CA)"
        }
        Error::InvalidCertificate(CertificateError::NotValidForName)
        | Error::InvalidCertificate(CertificateError::NotValidForNameContext { .. }) => {
            " (the server's certificate is not for the host name or address in the URL)"
        }
        Error::InvalidCertificate(CertificateError::Expired)
        | Error::InvalidCertificate(CertificateError::ExpiredContext { .. }) => {
            " (the server's certificate has expired)"
        }
        Error::AlertReceived(AlertDescription::CertificateRequired)
        | Error::AlertReceived(AlertDescription::BadCertificate)
        | Error::AlertReceived(AlertDescription::UnknownCA) => {
            " (the server refused this client's certificate, or wants one: --tls-cert FILE --tls-key FILE)"
        }
        _ => "",
    };
    Some(format!("{tls}{hint}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_logged_without_their_credentials() {
        for (url, shown) in [
            ("nats://127.0.0.1:4222", "nats://127.0.0.1:4222"),
            ("nats://u:p@127.0.0.1:4222", "nats://***@127.0.0.1:4222"),
            ("tls://tok@a:1,nats://b:2", "tls://***@a:1,nats://b:2"),
            ("u:p@host:4222", "***@host:4222"),
        ] {
            assert_eq!(redact_url(url), shown);
        }
    }

    #[test]
    fn secrets_come_from_files_without_their_line_end_and_never_show() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pw");
        std::fs::write(&path, "s3cret\r\n").unwrap();
        let secret = read_secret("password", Some(&path), None).unwrap().unwrap();
        assert_eq!(secret.expose(), "s3cret");
        assert_eq!(format!("{secret:?}"), "Secret(***)");
        std::fs::write(&path, "\n").unwrap();
        assert!(matches!(
            read_secret("password", Some(&path), None),
            Err(ConnectError::Empty { .. })
        ));
        let missing = read_secret("token", None, Some(&"EVENTCAT_NO_SUCH_VAR".to_owned()));
        assert_eq!(
            missing.unwrap_err().to_string(),
            "the token variable EVENTCAT_NO_SUCH_VAR is not set (or not UTF-8)"
        );
    }
}
