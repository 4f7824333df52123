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
    /// listening within a minute.
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
        let port =
            std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free local port").port();
        let mut child = Command::new(binary)
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
        listening.recv_timeout(Duration::from_secs(60)).expect("Prism listens within a minute");
        Some(prism)
    }
}
