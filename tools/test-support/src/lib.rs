//! Test-only helpers shared by the adapters' and the api's tests.
//!
//! [`Prism`] serves a vendor's own API description with Stoplight Prism
//! (installed by `scripts/test.sh` into `$HOME/.cache/frontdesk-tools`, or
//! wherever `FRONTDESK_PRISM` points), so adapters are tested against what
//! the vendor published, never a hand-written stub. Without Prism a test
//! says so and passes — except under `CI=true`, where it fails.
#![allow(clippy::expect_used, clippy::panic, reason = "test support: a broken set-up fails the test")]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A Prism mock on a free local port; killed when dropped.
#[derive(Debug)]
pub struct Prism {
    child: Child,
    /// `http://127.0.0.1:{port}`.
    pub url: String,
}

impl Drop for Prism {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Prism {
    /// Serves `spec` (an OpenAPI file) and waits until Prism listens.
    ///
    /// # Panics
    /// Under `CI=true` when Prism is not installed; when it does not start
    /// listening within a minute, five times (each on a new port).
    #[must_use]
    pub fn serve(spec: impl AsRef<Path>) -> Option<Self> {
        let home = std::env::var("HOME").unwrap_or_default();
        let binary = std::env::var("FRONTDESK_PRISM")
            .unwrap_or_else(|_| format!("{home}/.cache/frontdesk-tools/prism/node_modules/.bin/prism"));
        if !Path::new(&binary).exists() {
            assert!(std::env::var("CI").is_err(), "Prism is not installed at {binary}: scripts/test.sh installs it");
            eprintln!("skipped: Prism is not installed at {binary} (scripts/test.sh installs it)");
            return None;
        }
        // The port is free when picked but another process may take it before
        // Prism binds it; Prism then exits at once (its output ends without
        // "listening"), and a new port is tried.
        let mut last = String::new();
        for _ in 0..5 {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("a free local port")
                .port();
            let mut child = Command::new(&binary)
                .args(["mock", "-h", "127.0.0.1", "-p", &port.to_string()])
                .arg(spec.as_ref())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .expect("Prism starts");
            let stdout = child.stdout.take().expect("Prism's output");
            let (ready, listening) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                    if line.contains("Prism is listening") {
                        let _ = ready.send(());
                    }
                }
            });
            let prism = Self { child, url: format!("http://127.0.0.1:{port}") };
            match listening.recv_timeout(Duration::from_secs(60)) {
                Ok(()) => return Some(prism),
                Err(err) => last = format!("port {port}: {err}"),
            }
        }
        panic!("Prism did not listen after 5 tries (last: {last})");
    }
}

/// An S3-compatible server (s3s-fs: real SigV4 and presigned-URL checks)
/// on a free local port over a temporary directory; killed when dropped.
#[derive(Debug)]
pub struct S3Server {
    child: Child,
    dir: std::path::PathBuf,
    /// `http://127.0.0.1:{port}`.
    pub endpoint: String,
    /// The access key it accepts.
    pub access_key: &'static str,
    /// The secret key it accepts.
    pub secret_key: &'static str,
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl S3Server {
    /// Creates bucket `name` (a directory of the server's root).
    ///
    /// # Panics
    /// When the directory cannot be made.
    pub fn create_bucket(&self, name: &str) {
        std::fs::create_dir_all(self.dir.join(name)).expect("a bucket directory");
    }

    /// Starts `s3s-fs` (`cargo install s3s-fs --version 0.14.1 --features
    /// binary --locked`, done by `scripts/test.sh`; or `FRONTDESK_S3S_FS`) and
    /// waits until it accepts connections.
    ///
    /// # Panics
    /// Under `CI=true` when it is not installed; when it does not listen within 30 s.
    #[must_use]
    pub fn start() -> Option<Self> {
        let home = std::env::var("HOME").unwrap_or_default();
        let binary = std::env::var("FRONTDESK_S3S_FS").unwrap_or_else(|_| format!("{home}/.cargo/bin/s3s-fs"));
        if !Path::new(&binary).exists() {
            assert!(std::env::var("CI").is_err(), "s3s-fs is not installed at {binary}: scripts/test.sh installs it");
            eprintln!("skipped: s3s-fs is not installed at {binary} (scripts/test.sh installs it)");
            return None;
        }
        let port =
            std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free local port").port();
        let dir = std::env::temp_dir().join(format!("frontdesk-s3s-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a data directory");
        let (access_key, secret_key) = ("AKFRONTDESKTEST", "SKfrontdesk-test-secret-key");
        let child = Command::new(binary)
            .args(["--host", "127.0.0.1", "--port", &port.to_string(), "--access-key", access_key])
            .args(["--secret-key", secret_key])
            .arg(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("s3s-fs starts");
        let server = Self { child, dir, endpoint: format!("http://127.0.0.1:{port}"), access_key, secret_key };
        for _ in 0..300 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(server);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("s3s-fs did not listen on {port} within 30 s");
    }
}
