//! Network namespace harness for tests (feature `netns-tests`, Linux, root).
//!
//! [`Namespace::create`] makes a uniquely named namespace with
//! `ip netns add`; dropping it deletes the namespace and, with it, every
//! interface inside. Veth pairs are created with both ends inside
//! namespaces of this harness, so host interfaces are never touched.
//! [`Namespace::run`] runs async code on a dedicated thread that has joined
//! the namespace with `setns(2)` before its runtime creates any socket.
//! Tests use the documentation ranges (192.0.2.0/24, 198.51.100.0/24,
//! 203.0.113.0/24) and locally administered MACs (02:...).

use std::fs::File;
use std::future::Future;
use std::io::{self, Write};
use std::os::fd::AsRawFd;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// Reason to skip a namespace test, or `None` when it can run.
///
/// Only a missing root is a reason: as root, a missing `ip` makes the test fail.
pub fn skip_reason() -> Option<&'static str> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    let euid = unsafe { libc::geteuid() };
    (euid != 0).then_some("network namespace tests need root")
}

/// A network namespace that is deleted on drop.
#[derive(Debug)]
pub struct Namespace {
    name: String,
}

impl Namespace {
    /// Creates `dc-{label}-{pid}-{n}`.
    pub fn create(label: &str) -> io::Result<Self> {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let name = format!("dc-{label}-{}-{n}", std::process::id());
        run_ip(&["netns", "add", &name])?;
        let namespace = Self { name };
        namespace.ip(&["link", "set", "lo", "up"])?;
        Ok(namespace)
    }

    /// Namespace name, as used by `ip -n`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Runs `ip -n NAME ARGS...`, failing with its standard error on a non-zero exit.
    pub fn ip(&self, args: &[&str]) -> io::Result<()> {
        let mut full = vec!["-n", self.name.as_str()];
        full.extend_from_slice(args);
        run_ip(&full)
    }

    /// Runs `ip -n NAME -batch -` with one command per line.
    pub fn ip_batch(&self, lines: &str) -> io::Result<()> {
        let mut child = Command::new("ip")
            .args(["-n", &self.name, "-batch", "-"])
            .stdin(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        child
            .stdin
            .take()
            .expect("stdin is piped")
            .write_all(lines.as_bytes())?;
        let output = child.wait_with_output()?;
        check_status("ip -batch", &output)
    }

    /// Creates a veth pair: `local` here and `peer` in `peer_namespace`.
    pub fn add_veth(&self, local: &str, peer_namespace: &Namespace, peer: &str) -> io::Result<()> {
        self.ip(&[
            "link",
            "add",
            local,
            "type",
            "veth",
            "peer",
            "name",
            peer,
            "netns",
            &peer_namespace.name,
        ])
    }

    /// Creates a tun device (`ip tuntap add`).
    pub fn add_tun(&self, name: &str) -> io::Result<()> {
        self.ip(&["tuntap", "add", "dev", name, "mode", "tun"])
    }

    /// Creates a dummy interface, for example named `wg0` to look like WireGuard.
    pub fn add_dummy(&self, name: &str) -> io::Result<()> {
        self.ip(&["link", "add", name, "type", "dummy"])
    }

    /// Runs `body` on a new thread inside the namespace with a current-thread runtime.
    ///
    /// Sockets created by `body`, including those of spawned tasks, belong to
    /// the namespace.
    pub fn run<F, Fut, T>(&self, body: F) -> io::Result<T>
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = T>,
        T: Send + 'static,
    {
        let path = format!("/run/netns/{}", self.name);
        let thread = std::thread::spawn(move || -> io::Result<T> {
            enter(&path)?;
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            Ok(runtime.block_on(body()))
        });
        match thread.join() {
            Ok(result) => result,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }
}

impl Drop for Namespace {
    fn drop(&mut self) {
        if let Err(error) = run_ip(&["netns", "del", &self.name]) {
            eprintln!("deleting network namespace {} failed: {error}", self.name);
        }
    }
}

/// Moves the calling thread into the namespace at `path`.
fn enter(path: &str) -> io::Result<()> {
    let file = File::open(path)?;
    // SAFETY: the descriptor is valid for the call, and CLONE_NEWNET affects only this thread.
    let result = unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) };
    if result != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

fn run_ip(args: &[&str]) -> io::Result<()> {
    let output = Command::new("ip").args(args).output().map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("running ip failed ({e}); install iproute2"),
        )
    })?;
    check_status(&format!("ip {}", args.join(" ")), &output)
}

fn check_status(command: &str, output: &std::process::Output) -> io::Result<()> {
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    Err(io::Error::other(format!(
        "{command} failed: {}",
        stderr.trim()
    )))
}
