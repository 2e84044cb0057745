//! Every way `publish` and `consume` connect, each against a nats-server that requires it: a
//! token, an NKey, a `.creds` file (decentralised JWT authentication, the server in operator
//! mode), TLS with a private CA, and TLS with client certificates. For each, a small corpus
//! goes through (published, validated, split as the CLI splits it), a wrong or missing secret
//! is refused at once with a clear message and exit code 2, secrets come from files and from
//! environment variables as the CLI documents, and no secret ever appears in the output.
//!
//! The keys, JWTs and certificates are made by the tests: NKeys with the `nkeys` crate (JWTs
//! are their claims signed with them, as `nsc` does), certificates with the `openssl` CLI.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;
use nkeys::KeyPair;
use serde_json::{Value, json};

use super::{BIN, corpus, lines};
use crate::harness::{NatsServer, start_serve};

/// How a client connects: its flags and environment, and the secrets it must never show.
#[derive(Clone, Default)]
struct Client {
    url: String,
    args: Vec<String>,
    env: Vec<(String, String)>,
    secrets: Vec<String>,
}

impl Client {
    fn new(url: String) -> Self {
        Client {
            url,
            ..Default::default()
        }
    }

    fn arg(mut self, flag: &str, value: impl AsRef<std::ffi::OsStr>) -> Self {
        self.args.push(flag.to_owned());
        self.args
            .push(value.as_ref().to_string_lossy().into_owned());
        self
    }

    fn flag(mut self, flag: &str) -> Self {
        self.args.push(flag.to_owned());
        self
    }

    fn env(mut self, var: &str, value: &str) -> Self {
        self.env.push((var.to_owned(), value.to_owned()));
        self
    }

    fn secret(mut self, secret: &str) -> Self {
        self.secrets.push(secret.to_owned());
        self
    }

    /// `eventcat-validate <command> --nats URL <connection flags> <extra>`.
    fn run(&self, command: &str, extra: &[&str]) -> Output {
        let output = Command::new(BIN)
            .args([command, "--nats", &self.url])
            .args(&self.args)
            .args(extra)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .output()
            .unwrap();
        self.assert_nothing_secret(&output);
        output
    }

    fn assert_nothing_secret(&self, output: &Output) {
        let text = [
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
        ]
        .concat();
        for secret in &self.secrets {
            assert!(
                !text.contains(secret.as_str()),
                "a secret was shown: {secret:?} in\n{text}"
            );
        }
    }

    /// A corpus published and consumed through this connection: every input acked, split as
    /// the CLI splits the same file.
    fn pipeline_works(&self, dir: &Path, seed: u64) {
        let file = dir.join(format!("corpus-{seed}.ndjson"));
        let data = corpus(40, seed);
        std::fs::write(&file, &data).unwrap();
        let n = lines(&data);
        let good_file = dir.join(format!("good-{seed}.ndjson"));
        let cli = Command::new(BIN)
            .arg(&file)
            .args(["--no-progress", "--good"])
            .arg(&good_file)
            .output()
            .unwrap();
        assert_eq!(cli.status.code(), Some(1), "the corpus has bad lines");
        let expected_good = lines(&std::fs::read(&good_file).unwrap());
        assert!(expected_good > 0 && expected_good < n);

        let published = self.run(
            "publish",
            &["--create-stream", "EVENTS", file.to_str().unwrap()],
        );
        let stderr = String::from_utf8_lossy(&published.stderr);
        assert!(published.status.success(), "publish: {stderr}");
        let published: Value = serde_json::from_slice(&published.stdout).unwrap();
        assert_eq!(published["messages"], n, "{published}");

        let consumed = self.run("consume", &["--create", "--stop-when-idle", "1s"]);
        let stderr = String::from_utf8_lossy(&consumed.stderr);
        assert!(consumed.status.success(), "consume: {stderr}");
        let stats: Value = serde_json::from_slice(&consumed.stdout)
            .unwrap_or_else(|e| panic!("statistics: {e}\n{stderr}"));
        assert_eq!(stats["acked"], n, "{stats}\n{stderr}");
        assert_eq!(stats["good"], expected_good, "{stats}");
        assert_eq!(stats["bad"], n - expected_good, "{stats}");
    }

    /// Refused at once (well within the 30 s `consume` waits for a server that is not up),
    /// exit code 2, a message that says why.
    fn refused(&self, why: &str) {
        let started = Instant::now();
        let output = self.run("consume", &["--create", "--stop-when-idle", "1s"]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(output.stdout.is_empty(), "{stderr}");
        assert!(
            stderr.to_lowercase().contains(&why.to_lowercase()),
            "expected {why:?} in:\n{stderr}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "refused only after {:?}:\n{stderr}",
            started.elapsed()
        );
    }
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn a_token_from_a_file_or_the_environment() {
    let token = "tok-7f3a9c1e5b";
    let server = NatsServer::start_with(&format!("authorization {{\n  token: \"{token}\"\n}}\n"));
    let dir = tempfile::tempdir().unwrap();
    let base = Client::new(server.url()).secret(token);

    let file = write(dir.path(), "token", &format!("{token}\n"));
    base.clone()
        .arg("--token-file", &file)
        .pipeline_works(dir.path(), 1);
    base.clone()
        .arg("--token-env", "EVENTCAT_TEST_TOKEN")
        .env("EVENTCAT_TEST_TOKEN", token)
        .pipeline_works(dir.path(), 2);

    let wrong = write(dir.path(), "wrong", "tok-guess-42");
    base.clone()
        .secret("tok-guess-42")
        .arg("--token-file", &wrong)
        .refused(&format!("the server refused the token from {wrong}"));
    base.clone()
        .refused("the server refused a client without credentials (--user, --token-file");
    base.clone()
        .arg("--token-env", "EVENTCAT_TEST_NO_TOKEN")
        .refused("the token variable EVENTCAT_TEST_NO_TOKEN is not set");
}

/// A server that admits only `user`, by its NKey.
fn nkey_server(user: &KeyPair) -> NatsServer {
    NatsServer::start_with(&format!(
        "authorization {{\n  users: [ {{ nkey: {} }} ]\n}}\n",
        user.public_key()
    ))
}

#[test]
fn an_nkey_seed_from_a_file_or_the_environment() {
    let user = KeyPair::new_user();
    let seed = user.seed().unwrap();
    let server = nkey_server(&user);
    let dir = tempfile::tempdir().unwrap();
    let base = Client::new(server.url()).secret(&seed);

    let file = write(dir.path(), "user.nk", &format!("{seed}\n"));
    base.clone()
        .arg("--nkey-file", &file)
        .pipeline_works(dir.path(), 3);
    base.clone()
        .arg("--nkey-env", "EVENTCAT_TEST_NKEY")
        .env("EVENTCAT_TEST_NKEY", &seed)
        .pipeline_works(dir.path(), 4);

    // A valid seed the server does not know; a file that holds no seed at all.
    let stranger = KeyPair::new_user().seed().unwrap();
    let wrong = write(dir.path(), "stranger.nk", &stranger);
    base.clone()
        .secret(&stranger)
        .arg("--nkey-file", &wrong)
        .refused(&format!("the server refused the NKey seed from {wrong}"));
    let garbage = write(dir.path(), "garbage.nk", "SUNOTASEEDATALL");
    base.clone()
        .secret("SUNOTASEEDATALL")
        .arg("--nkey-file", &garbage)
        .refused(&format!("the NKey seed in {garbage} is not a user seed"));
    base.clone()
        .arg("--nkey-env", "EVENTCAT_TEST_NKEY")
        .env("EVENTCAT_TEST_NKEY", &stranger)
        .refused("the server refused the NKey seed from $EVENTCAT_TEST_NKEY");
}

/// A JWT as `nsc` writes one: `header.claims.signature`, each base64url without padding, the
/// signature the issuer's ed25519 NKey over the first two parts.
fn jwt(issuer: &KeyPair, subject: &str, name: &str, nats: Value) -> String {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header = b64.encode(json!({"typ": "JWT", "alg": "ed25519-nkey"}).to_string());
    let iat = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let claims = json!({
        "jti": format!("{}{iat}", &subject[1..20]),
        "iat": iat,
        "iss": issuer.public_key(),
        "name": name,
        "sub": subject,
        "nats": nats,
    });
    let signed = format!("{header}.{}", b64.encode(claims.to_string()));
    let signature = issuer.sign(signed.as_bytes()).unwrap();
    format!("{signed}.{}", b64.encode(signature))
}

fn account_jwt(operator: &KeyPair, account: &KeyPair, name: &str, jetstream: bool) -> String {
    let mut limits = json!({
        "subs": -1, "data": -1, "payload": -1, "imports": -1, "exports": -1,
        "wildcards": true, "conn": -1, "leaf": -1,
    });
    if jetstream {
        for key in ["mem_storage", "disk_storage", "streams", "consumer"] {
            limits[key] = json!(-1);
        }
    }
    jwt(
        operator,
        &account.public_key(),
        name,
        json!({"type": "account", "version": 2, "limits": limits}),
    )
}

/// A `.creds` file: a user JWT issued by `account` for `user`, and `user`'s seed.
fn creds(account: &KeyPair, user: &KeyPair) -> String {
    let user_jwt = jwt(
        account,
        &user.public_key(),
        "validator",
        json!({"type": "user", "version": 2, "pub": {}, "sub": {},
               "subs": -1, "data": -1, "payload": -1}),
    );
    format!(
        "-----BEGIN NATS USER JWT-----\n{user_jwt}\n------END NATS USER JWT------\n\n\
         ************************* IMPORTANT *************************\n\
         NKEY Seed printed below can be used to sign and prove identity.\n\
         NKEYs are sensitive and should be treated as secrets.\n\n\
         -----BEGIN USER NKEY SEED-----\n{}\n------END USER NKEY SEED------\n\n\
         *************************************************************\n",
        user.seed().unwrap()
    )
}

#[test]
fn a_creds_file_on_a_server_in_operator_mode() {
    let dir = tempfile::tempdir().unwrap();
    let operator = KeyPair::new_operator();
    let system = KeyPair::new_account();
    let account = KeyPair::new_account();
    let operator_jwt = jwt(
        &operator,
        &operator.public_key(),
        "eventcat-test",
        json!({"type": "operator", "version": 2}),
    );
    let operator_file = write(dir.path(), "operator.jwt", &operator_jwt);
    let server = NatsServer::start_with(&format!(
        "operator: \"{operator_file}\"\nsystem_account: {sys}\nresolver: MEMORY\n\
         resolver_preload: {{\n  {sys}: \"{sys_jwt}\"\n  {app}: \"{app_jwt}\"\n}}\n",
        sys = system.public_key(),
        sys_jwt = account_jwt(&operator, &system, "SYS", false),
        app = account.public_key(),
        app_jwt = account_jwt(&operator, &account, "EVENTCAT", true),
    ));

    let user = KeyPair::new_user();
    let seed = user.seed().unwrap();
    let good = write(dir.path(), "validator.creds", &creds(&account, &user));
    let base = Client::new(server.url()).secret(&seed);
    base.clone()
        .arg("--creds", &good)
        .pipeline_works(dir.path(), 5);

    // A user of an account the server does not trust; a seed that is not the JWT's user.
    let outsider = KeyPair::new_user();
    let untrusted = write(
        dir.path(),
        "untrusted.creds",
        &creds(&KeyPair::new_account(), &outsider),
    );
    base.clone()
        .secret(&outsider.seed().unwrap())
        .arg("--creds", &untrusted)
        .refused(&format!(
            "the server refused the credentials in {untrusted}"
        ));
    let other = KeyPair::new_user();
    let mismatched = creds(&account, &user).replace(&seed, &other.seed().unwrap());
    let mismatched = write(dir.path(), "mismatched.creds", &mismatched);
    base.clone()
        .secret(&other.seed().unwrap())
        .arg("--creds", &mismatched)
        .refused(&format!(
            "the server refused the credentials in {mismatched}"
        ));
    let missing = dir.path().join("missing.creds");
    base.clone().arg("--creds", &missing).refused(&format!(
        "cannot use the credentials in {}",
        missing.display()
    ));
    base.clone()
        .refused("the server refused a client without credentials");
}

/// `openssl`, failing with how to install it.
fn openssl(dir: &Path, args: &[&str]) {
    let output = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("openssl is needed ({e}): apt-get install openssl"));
    assert!(
        output.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A CA (`<name>.pem`, `<name>.key`) in `dir`.
fn make_ca(dir: &Path, name: &str) {
    let (pem, key) = (format!("{name}.pem"), format!("{name}.key"));
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "2",
            "-subj",
            &format!("/CN={name}"),
            "-keyout",
            &key,
            "-out",
            &pem,
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
}

/// A certificate `<name>.pem` with key `<name>.key`, signed by the CA `ca`, for 127.0.0.1
/// (`serverAuth`) or a client (`clientAuth`).
fn make_cert(dir: &Path, ca: &str, name: &str, usage: &str) {
    let (pem, key, csr, ext) = (
        format!("{name}.pem"),
        format!("{name}.key"),
        format!("{name}.csr"),
        format!("{name}.ext"),
    );
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-subj",
            &format!("/CN={name}"),
            "-keyout",
            &key,
            "-out",
            &csr,
        ],
    );
    std::fs::write(
        dir.join(&ext),
        format!(
            "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n\
             extendedKeyUsage={usage}\nsubjectAltName=IP:127.0.0.1\n"
        ),
    )
    .unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            &format!("{ca}.pem"),
            "-CAkey",
            &format!("{ca}.key"),
            "-CAcreateserial",
            "-days",
            "2",
            "-out",
            &pem,
            "-extfile",
            &ext,
        ],
    );
}

/// The base64 body of a PEM private key: what must never be shown.
fn key_body(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect()
}

#[test]
fn tls_with_a_private_ca_and_a_wrong_ca_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    make_ca(d, "ca");
    make_ca(d, "other-ca");
    make_cert(d, "ca", "server", "serverAuth");
    let server = NatsServer::start_with(&format!(
        "tls {{\n  cert_file: \"{}\"\n  key_file: \"{}\"\n}}\n",
        d.join("server.pem").display(),
        d.join("server.key").display()
    ));
    let ca = d.join("ca.pem");

    // The server requires TLS: a nats:// URL with --tls-ca upgrades, a tls:// URL too.
    Client::new(server.url())
        .arg("--tls-ca", &ca)
        .pipeline_works(d, 6);
    Client::new(format!("tls://127.0.0.1:{}", server.port))
        .arg("--tls-ca", &ca)
        .pipeline_works(d, 7);

    // A CA that did not sign the server's certificate, or only the system's CAs.
    let refusal = "not signed by a CA this client trusts";
    Client::new(server.url())
        .arg("--tls-ca", d.join("other-ca.pem"))
        .refused(refusal);
    Client::new(server.url()).flag("--tls").refused(refusal);
}

#[test]
fn tls_with_client_certificates() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    make_ca(d, "ca");
    make_ca(d, "other-ca");
    make_cert(d, "ca", "server", "serverAuth");
    make_cert(d, "ca", "client", "clientAuth");
    make_cert(d, "other-ca", "stranger", "clientAuth");
    let server = NatsServer::start_with(&format!(
        "tls {{\n  cert_file: \"{}\"\n  key_file: \"{}\"\n  ca_file: \"{}\"\n  verify: true\n}}\n",
        d.join("server.pem").display(),
        d.join("server.key").display(),
        d.join("ca.pem").display()
    ));
    let base = Client::new(server.url()).arg("--tls-ca", d.join("ca.pem"));

    base.clone()
        .arg("--tls-cert", d.join("client.pem"))
        .arg("--tls-key", d.join("client.key"))
        .secret(&key_body(&d.join("client.key")))
        .pipeline_works(d, 8);

    base.clone().refused("--tls-cert FILE --tls-key FILE");
    base.clone()
        .arg("--tls-cert", d.join("stranger.pem"))
        .arg("--tls-key", d.join("stranger.key"))
        .secret(&key_body(&d.join("stranger.key")))
        .refused("the server refused this client's certificate");
}

/// `serve --good nats://...` names only the server on its command line, so its credentials
/// come from the environment: here an NKey seed in the file `NATS_NKEY` names. Without it, with
/// a seed the server does not know, or with two kinds of credentials, serve stops at once
/// (exit 2) saying why.
#[test]
fn serve_takes_its_nats_credentials_from_the_environment() {
    let user = KeyPair::new_user();
    let seed = user.seed().unwrap();
    let server = nkey_server(&user);
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "user.nk", &format!("{seed}\n"));
    // The output streams (EVENTS_GOOD on events.good, EVENTS_BAD on events.bad), made over a
    // connection that has the seed.
    let made = Client::new(server.url())
        .secret(&seed)
        .arg("--nkey-file", &file)
        .run("consume", &["--create", "--stop-when-idle", "1s"]);
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let good = format!("{}/events.good", server.url());
    let bad = format!("{}/events.bad", server.url());

    let serve = start_serve(&[("NATS_NKEY", &file)], &good, &bad)
        .unwrap_or_else(|(code, stderr)| panic!("serve stopped ({code}):\n{stderr}"));
    let data = corpus(20, 71);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut response = agent
        .post(&format!("http://{}/v1/events", serve.address))
        .header("Content-Type", "application/x-ndjson")
        .send(&data[..])
        .unwrap();
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().unwrap();
    // An answer below 500 means every event was stored in its stream (a store that fails is
    // a 5xx), so the connection authenticated.
    assert!(status < 500, "{status}: {text}");
    let answer: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        answer["accepted"].as_u64().unwrap() + answer["rejected"].as_u64().unwrap(),
        lines(&data),
        "{answer}"
    );
    drop(serve);

    let refused = |env: &[(&str, &str)], why: &str| {
        let started = Instant::now();
        let (code, stderr) = match start_serve(env, &good, &bad) {
            Ok(_) => panic!("serve started with {env:?}"),
            Err(stopped) => stopped,
        };
        assert_eq!(code, 2, "{stderr}");
        assert!(stderr.contains(why), "expected {why:?} in:\n{stderr}");
        assert!(!stderr.contains(&seed), "the seed was shown:\n{stderr}");
        assert!(started.elapsed() < Duration::from_secs(15), "{stderr}");
    };
    refused(&[], "the server refused a client without credentials");
    let stranger = KeyPair::new_user().seed().unwrap();
    let wrong = write(dir.path(), "stranger.nk", &stranger);
    refused(
        &[("NATS_NKEY", &wrong)],
        &format!("the server refused the NKey seed from {wrong}"),
    );
    refused(
        &[("NATS_NKEY", &file), ("NATS_TOKEN", "tok-1")],
        "NATS_TOKEN, NATS_NKEY are all set",
    );
}
