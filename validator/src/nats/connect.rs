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
    /// Read an NKey seed from this file.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["user", "token_file", "token_env", "creds"])]
    pub nkey_file: Option<PathBuf>,
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
    #[error("cannot use the credentials in {path}: {source}")]
    Creds {
        path: String,
        source: std::io::Error,
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
    /// nats://...`): the rest from the environment, `NATS_USER` with `NATS_PASSWORD`,
    /// `NATS_TOKEN`, `NATS_CREDS` (a file), `NATS_TLS_CA` (a file).
    pub fn from_env(server: &str) -> Self {
        let set = |var: &str| std::env::var_os(var).is_some().then(|| var.to_owned());
        ConnectArgs {
            nats: server.to_owned(),
            user: std::env::var("NATS_USER").ok(),
            password_file: None,
            password_env: set("NATS_PASSWORD"),
            token_file: None,
            token_env: set("NATS_TOKEN"),
            creds: std::env::var_os("NATS_CREDS").map(PathBuf::from),
            nkey_file: None,
            tls: server.starts_with("tls://"),
            tls_ca: std::env::var_os("NATS_TLS_CA").map(PathBuf::from),
            tls_cert: None,
            tls_key: None,
            client_name: "eventcat-validate serve".to_owned(),
        }
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
        if let Some(seed) = read_secret("NKey seed", self.nkey_file.as_ref(), None)? {
            options = options.nkey(seed.expose().to_owned());
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

    /// Connects, waiting up to `wait` for a server that is not up yet (connection refused or
    /// timed out); an authentication failure is final at once.
    pub async fn connect(&self, wait: Duration) -> Result<async_nats::Client, ConnectError> {
        let started = std::time::Instant::now();
        let urls: Vec<&str> = self.nats.split(',').map(str::trim).collect();
        loop {
            let options = self.options().await?;
            match options.connect(urls.clone()).await {
                Ok(client) => return Ok(client),
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
