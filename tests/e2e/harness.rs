//! Runs the real `centralino` binary and real peers (SIPp, baresip) on
//! loopback, each test on its own ports.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// The workspace root (tests/e2e lives two levels below).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

/// A free UDP port on 127.0.0.1 (bound then released; the window for a race
/// with another process is tiny and the test would fail loudly).
pub fn free_udp_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

static NEXT_RANGE: AtomicU16 = AtomicU16::new(0);

/// A block of 100 ports for one test's RTP, distinct per test in this
/// process, and checked free. Blocks lie in 20000–29999, below Linux's
/// ephemeral range (32768–60999) where SIPp, probes and the OS pick their
/// own ports, so an engine's RTP socket never takes a port a peer needs.
pub fn rtp_range() -> (u16, u16) {
    let pid_salt = (std::process::id() % 97) as u16;
    loop {
        let k = NEXT_RANGE.fetch_add(1, Ordering::SeqCst);
        let low = 20000 + ((pid_salt * 13 + k) % 100) * 100;
        let high = low + 99;
        if (low..low + 8).all(|p| UdpSocket::bind(("127.0.0.1", p)).is_ok()) {
            return (low, high);
        }
    }
}

/// Fail loudly when a peer program is missing: the test command installs
/// them (`scripts/install-deps`); a skipped test would be a test that cannot fail.
pub fn require(program: &str) {
    let ok = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {program}"))
        .stdout(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(
        ok,
        "{program} is not installed: run scripts/install-deps (the test command does)"
    );
}

/// The shipped configuration with the prompts directory made absolute, so
/// a test can edit it and run it from anywhere.
pub fn shipped_config() -> String {
    let text = std::fs::read_to_string(root().join("config/centralino.yaml")).unwrap();
    text.replace(
        "dir: ../prompts",
        &format!("dir: {}", root().join("prompts").display()),
    )
}

/// Options for one engine process.
#[derive(Default, Clone)]
pub struct Opts {
    /// `--now` (the wall clock starts at this instant).
    pub now: Option<String>,
    /// Config file; the shipped one by default.
    pub config: Option<PathBuf>,
    /// Config text (written into the data directory), e.g. from
    /// [`shipped_config`] with edits; wins over `config`.
    pub config_yaml: Option<String>,
    /// More CLI arguments.
    pub args: Vec<String>,
    /// Environment (e.g. RUST_LOG).
    pub env: Vec<(String, String)>,
}

/// A running `centralino run`.
pub struct Centralino {
    child: Option<Child>,
    pub sip: SocketAddr,
    pub rtp: (u16, u16),
    pub data_dir: tempfile::TempDir,
    log: Arc<(Mutex<String>, Condvar)>,
    /// The HTTP API's address (the engine picks a free port).
    pub http: Option<SocketAddr>,
}

impl Centralino {
    /// Start the binary on free ports and wait until SIP listens.
    pub fn start(opts: Opts) -> Centralino {
        let data_dir = tempfile::tempdir().unwrap();
        Self::start_in(opts, data_dir)
    }

    /// Start on a given data directory (to restart on the same database).
    pub fn start_in(opts: Opts, data_dir: tempfile::TempDir) -> Centralino {
        let sip_port = free_udp_port();
        let sip: SocketAddr = format!("127.0.0.1:{sip_port}").parse().unwrap();
        let rtp = rtp_range();
        let config = match &opts.config_yaml {
            Some(text) => {
                let p = data_dir.path().join("test-config.yaml");
                std::fs::write(&p, text).unwrap();
                p
            }
            None => opts
                .config
                .clone()
                .unwrap_or_else(|| root().join("config/centralino.yaml")),
        };
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_centralino"));
        cmd.current_dir(root())
            .arg("run")
            .arg("--config")
            .arg(&config)
            .arg("--sip-listen")
            .arg(sip.to_string())
            .arg("--rtp-ports")
            .arg(format!("{}-{}", rtp.0, rtp.1))
            .arg("--data-dir")
            .arg(data_dir.path())
            .arg("--http-listen")
            .arg("127.0.0.1:0")
            .args(&opts.args)
            .env("RUST_LOG", "info,centralino=debug")
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(now) = &opts.now {
            cmd.arg("--now").arg(now);
        }
        for (k, v) in &opts.env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("spawn centralino");
        let log = Arc::new((Mutex::new(String::new()), Condvar::new()));
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let log = log.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines() {
                    let Ok(line) = line else { break };
                    let (m, cv) = &*log;
                    let mut s = m.lock().unwrap();
                    s.push_str(&line);
                    s.push('\n');
                    cv.notify_all();
                }
            });
        }
        let mut c = Centralino {
            child: Some(child),
            sip,
            rtp,
            data_dir,
            log,
            http: None,
        };
        assert!(
            c.wait_log("SIP listening on", Duration::from_secs(20)),
            "centralino did not start:\n{}",
            c.logs()
        );
        c.http = c
            .logs()
            .split("HTTP listening on http://")
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
            .and_then(|a| a.parse().ok());
        c
    }

    /// Everything the process logged so far.
    pub fn logs(&self) -> String {
        self.log.0.lock().unwrap().clone()
    }

    /// Wait until the log contains `pattern`.
    pub fn wait_log(&self, pattern: &str, timeout: Duration) -> bool {
        self.wait_log_count(pattern, 1, timeout)
    }

    /// Wait until the log contains `pattern` at least `n` times.
    pub fn wait_log_count(&self, pattern: &str, n: usize, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let (m, cv) = &*self.log;
        let mut s = m.lock().unwrap();
        loop {
            if s.matches(pattern).count() >= n {
                return true;
            }
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            s = cv.wait_timeout(s, deadline - now).unwrap().0;
        }
    }

    /// How many times the log contains `pattern`.
    pub fn count_log(&self, pattern: &str) -> usize {
        self.logs().matches(pattern).count()
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(|c| c.id()).unwrap_or(0)
    }

    /// Wait for the process to exit by itself.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let child = self.child.as_mut()?;
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(Some(st)) = child.try_wait() {
                self.child = None;
                return Some(st);
            }
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGTERM and wait for exit; returns the exit status.
    pub fn stop(&mut self) -> Option<ExitStatus> {
        let mut child = self.child.take()?;
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Ok(Some(st)) = child.try_wait() {
                return Some(st);
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                return child.wait().ok();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGKILL (a crash) and wait; the data directory is kept.
    pub fn kill9(mut self) -> tempfile::TempDir {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let dir = tempfile::tempdir().unwrap();
        std::mem::replace(&mut self.data_dir, dir)
    }
}

impl Drop for Centralino {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The outcome of one SIPp run.
pub struct SippRun {
    pub status: ExitStatus,
    pub output: String,
    pub errors: String,
    pub messages: String,
}

impl SippRun {
    /// Panics with everything SIPp said unless every call succeeded.
    pub fn assert_ok(&self, what: &str) {
        assert!(
            self.status.success(),
            "{what}: sipp failed ({})\n--- errors ---\n{}\n--- messages ---\n{}\n--- output ---\n{}",
            self.status,
            self.errors,
            self.messages,
            tail(&self.output, 40)
        );
    }
}

fn tail(s: &str, n: usize) -> String {
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// Builder for a SIPp client or server run.
pub struct Sipp {
    scenario: PathBuf,
    args: Vec<String>,
    keys: Vec<(String, String)>,
    timeout_s: u32,
}

impl Sipp {
    /// A scenario from `sipp-scenarios/`.
    pub fn scenario(name: &str) -> Sipp {
        Sipp {
            scenario: root().join("sipp-scenarios").join(name),
            args: vec![],
            keys: vec![],
            timeout_s: 60,
        }
    }

    /// `-key name value` (a `[name]` keyword in the scenario).
    pub fn key(mut self, name: &str, value: impl ToString) -> Sipp {
        self.keys.push((name.into(), value.to_string()));
        self
    }

    /// Raw SIPp arguments.
    pub fn args<I: IntoIterator<Item = S>, S: ToString>(mut self, args: I) -> Sipp {
        self.args.extend(args.into_iter().map(|a| a.to_string()));
        self
    }

    /// Global timeout in seconds (SIPp fails when it is reached).
    pub fn timeout(mut self, secs: u32) -> Sipp {
        self.timeout_s = secs;
        self
    }

    /// Run against `target` as a UAC: `calls` calls, called number `service`.
    pub fn call(self, target: SocketAddr, service: &str, calls: u32) -> SippRun {
        let mut args = vec![
            target.to_string(),
            "-s".into(),
            service.into(),
            "-m".into(),
            calls.to_string(),
        ];
        args.extend(self.args.clone());
        self.run(args)
    }

    /// Run with explicit positional/extra arguments.
    pub fn run(self, extra: Vec<String>) -> SippRun {
        require("sipp");
        let dir = tempfile::tempdir().unwrap();
        let err_file = dir.path().join("errors.log");
        let msg_file = dir.path().join("messages.log");
        let port = free_udp_port();
        let media_port = free_udp_port() & !1;
        let mut cmd = Command::new("sipp");
        cmd.current_dir(root().join("sipp-scenarios"))
            .arg("-sf")
            .arg(&self.scenario)
            .args(["-i", "127.0.0.1", "-p", &port.to_string()])
            .args(["-mp", &media_port.to_string()])
            .args([
                "-timeout",
                &format!("{}s", self.timeout_s),
                "-timeout_error",
            ])
            .args(["-nostdin", "-trace_err", "-trace_msg"])
            .arg("-error_file")
            .arg(&err_file)
            .arg("-message_file")
            .arg(&msg_file)
            .args(["-key", "media_port_key", &media_port.to_string()]);
        for (k, v) in &self.keys {
            cmd.args(["-key", k, v]);
        }
        cmd.args(&extra);
        let out = cmd.output().expect("run sipp");
        SippRun {
            status: out.status,
            output: String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr),
            errors: std::fs::read_to_string(&err_file).unwrap_or_default(),
            messages: std::fs::read_to_string(&msg_file).unwrap_or_default(),
        }
    }

    /// Start in the background (a UAS agent, or a long load run).
    pub fn spawn(self, extra: Vec<String>) -> Child {
        require("sipp");
        let mut cmd = Command::new("sipp");
        cmd.current_dir(root().join("sipp-scenarios"))
            .arg("-sf")
            .arg(&self.scenario)
            .args(["-nostdin", "-timeout", &format!("{}s", self.timeout_s)]);
        for (k, v) in &self.keys {
            cmd.args(["-key", k, v]);
        }
        cmd.args(&self.args)
            .args(&extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        cmd.spawn().expect("spawn sipp")
    }
}

/// One received RTP packet.
#[derive(Clone, Debug)]
pub struct RtpPacket {
    pub at: Instant,
    pub from: SocketAddr,
    pub bytes: Vec<u8>,
}

impl RtpPacket {
    pub fn payload_type(&self) -> u8 {
        self.bytes[1] & 0x7f
    }
    pub fn marker(&self) -> bool {
        self.bytes[1] & 0x80 != 0
    }
    pub fn seq(&self) -> u16 {
        u16::from_be_bytes([self.bytes[2], self.bytes[3]])
    }
    pub fn timestamp(&self) -> u32 {
        u32::from_be_bytes([self.bytes[4], self.bytes[5], self.bytes[6], self.bytes[7]])
    }
    pub fn ssrc(&self) -> u32 {
        u32::from_be_bytes([self.bytes[8], self.bytes[9], self.bytes[10], self.bytes[11]])
    }
    pub fn payload(&self) -> &[u8] {
        let cc = (self.bytes[0] & 0x0f) as usize;
        &self.bytes[12 + 4 * cc..]
    }
}

/// A UDP socket that records every RTP packet sent to it, and can send
/// RFC 4733 events back from the same port (so the engine sees them from the
/// address the SDP announced).
pub struct RtpProbe {
    socket: Arc<UdpSocket>,
    packets: Arc<Mutex<Vec<RtpPacket>>>,
    stop: Arc<std::sync::atomic::AtomicBool>,
}

impl RtpProbe {
    pub fn bind() -> RtpProbe {
        let socket = loop {
            let p = free_udp_port() & !1;
            if let Ok(s) = UdpSocket::bind(("127.0.0.1", p)) {
                break s;
            }
        };
        socket
            .set_read_timeout(Some(Duration::from_millis(50)))
            .unwrap();
        let socket = Arc::new(socket);
        let packets = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        {
            let (socket, packets, stop) = (socket.clone(), packets.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut buf = [0u8; 2048];
                while !stop.load(Ordering::Relaxed) {
                    if let Ok((n, from)) = socket.recv_from(&mut buf) {
                        packets.lock().unwrap().push(RtpPacket {
                            at: Instant::now(),
                            from,
                            bytes: buf[..n].to_vec(),
                        });
                    }
                }
            });
        }
        RtpProbe {
            socket,
            packets,
            stop,
        }
    }

    pub fn port(&self) -> u16 {
        self.socket.local_addr().unwrap().port()
    }

    pub fn packets(&self) -> Vec<RtpPacket> {
        self.packets.lock().unwrap().clone()
    }

    /// Send raw bytes to `to` from the probe's port.
    pub fn send_to(&self, bytes: &[u8], to: SocketAddr) {
        self.socket.send_to(bytes, to).unwrap();
    }
}

impl Drop for RtpProbe {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Read a 16-bit mono WAV's samples (the test's own reader, independent of
/// the engine's).
pub fn read_wav(path: &Path) -> Vec<i16> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(&bytes[0..4], b"RIFF");
    let mut i = 12;
    while i + 8 <= bytes.len() {
        let id = &bytes[i..i + 4];
        let len =
            u32::from_le_bytes([bytes[i + 4], bytes[i + 5], bytes[i + 6], bytes[i + 7]]) as usize;
        if id == b"data" {
            let end = (i + 8 + len).min(bytes.len());
            return bytes[i + 8..end]
                .chunks_exact(2)
                .map(|c| i16::from_le_bytes([c[0], c[1]]))
                .collect();
        }
        i += 8 + len + (len & 1);
    }
    panic!("{}: no data chunk", path.display());
}

/// ITU-T G.711 A-law expansion, written independently of the engine's tables
/// so the test checks the engine rather than itself.
pub fn alaw_to_linear(a: u8) -> i16 {
    let a = a ^ 0x55;
    let t = ((a & 0x0f) as i32) << 4;
    let seg = ((a & 0x70) >> 4) as i32;
    let mag = match seg {
        0 => t + 8,
        1 => t + 0x108,
        _ => (t + 0x108) << (seg - 1),
    };
    (if a & 0x80 != 0 { mag } else { -mag }) as i16
}

/// ITU-T G.711 µ-law expansion (independent of the engine).
pub fn ulaw_to_linear(u: u8) -> i16 {
    let u = !u;
    let t = ((((u & 0x0f) as i32) << 3) + 0x84) << ((u & 0x70) >> 4);
    (if u & 0x80 != 0 { 0x84 - t } else { t - 0x84 }) as i16
}
