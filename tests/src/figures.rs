//! Benchmark figures printed beside their targets; a missed target fails the run.

use std::time::Duration;

/// A generated import of `parts` parts of `rows` rows each (every seventh row invalid), its
/// event and batch ids made from `id`.
pub fn sample_batch(id: &str, parts: u32, rows: u32) -> hookgrid::sample::SampleBatch {
    hookgrid::sample::SampleBatch {
        event_id: format!("{id}-event"),
        batch_id: format!("{id}-batch"),
        parts,
        rows_per_part: rows,
        invalid_every: 7,
    }
}

/// `d` in milliseconds.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The `p` quantile (0.5: the median) of `times`.
pub fn percentile(mut times: Vec<Duration>, p: f64) -> Duration {
    times.sort();
    times[((times.len() as f64 * p) as usize).min(times.len() - 1)]
}

/// One measured figure and the most it may be.
#[derive(Debug)]
pub struct Figure {
    pub name: &'static str,
    pub value: f64,
    pub unit: &'static str,
    pub target: f64,
}

/// Prints the table under `title`; returns how many targets were missed.
pub fn report(title: &str, figures: &[Figure]) -> usize {
    println!("\n{title}\n");
    println!("{:<38} {:>10}   {:>8}", "figure", "measured", "target");
    let mut missed = 0;
    for f in figures {
        let ok = f.value <= f.target;
        missed += usize::from(!ok);
        // A target worked out from another figure (1.3 × a time) is shown to two places.
        let target = if f.target.fract() == 0.0 {
            format!("{}", f.target)
        } else {
            format!("{:.2}", f.target)
        };
        println!(
            "{:<38} {:>8.2} {:<3} ≤ {:>6} {:<3} {}",
            f.name,
            f.value,
            f.unit,
            target,
            f.unit,
            if ok { "ok" } else { "MISSED" }
        );
    }
    missed
}

/// The peak resident memory of process `pid` (`VmHWM`), in KiB.
pub fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM")
}

/// Posts every part of `batch` to `url` in order, each acknowledged with 200.
pub fn post_sample(
    client: &reqwest::blocking::Client,
    url: &str,
    batch: &hookgrid::sample::SampleBatch,
) {
    for index in 1..=batch.parts {
        let r = client
            .post(url)
            .body(batch.body(index))
            .send()
            .expect("post");
        assert_eq!(r.status(), 200, "part {index} of {}", batch.batch_id);
    }
}

/// Waits (up to five minutes) until the data dir's `batches/` holds `count` files whose
/// names `wanted` accepts: the worker's derived files, written after the last ack.
pub fn wait_files(ws: &crate::Workspace, count: usize, wanted: impl Fn(&str) -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(300);
    loop {
        let written = std::fs::read_dir(ws.data_dir().join("batches"))
            .map(|d| {
                d.flatten()
                    .filter(|e| wanted(&e.file_name().to_string_lossy()))
                    .count()
            })
            .unwrap_or(0);
        if written >= count {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{count} derived files not written in time"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// One kept-alive HTTP/1.1 connection with nothing between a bench and the server: a
/// request's time is the server's and the socket's, not a client library's.
#[derive(Debug)]
pub struct KeptAlive {
    conn: std::net::TcpStream,
    host: String,
    path: String,
}

impl KeptAlive {
    /// Connects to the host of `url` (`http://host:port/path`); requests go to its path.
    pub fn connect(url: &str) -> KeptAlive {
        let rest = url.strip_prefix("http://").expect("http URL");
        let i = rest.find('/').expect("path");
        let (host, path) = (rest[..i].to_owned(), rest[i..].to_owned());
        let conn = std::net::TcpStream::connect(&host).expect("connect");
        conn.set_nodelay(true).expect("nodelay");
        KeptAlive { conn, host, path }
    }

    /// POSTs `body` to the URL's path; the status code.
    pub fn post(&mut self, body: &[u8]) -> u16 {
        let path = self.path.clone();
        self.request("POST", &path, body)
    }

    /// One request; the status code, once the whole answer is read.
    pub fn request(&mut self, method: &str, path: &str, body: &[u8]) -> u16 {
        use std::io::{Read, Write};
        let head = format!(
            "{method} {path} HTTP/1.1\r\nhost: {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
            self.host,
            body.len()
        );
        self.conn.write_all(head.as_bytes()).expect("write head");
        self.conn.write_all(body).expect("write body");
        // The answer's head, then exactly content-length bytes.
        let mut buf = Vec::with_capacity(512);
        let mut byte = [0u8; 1024];
        let header_end = loop {
            let n = self.conn.read(&mut byte).expect("read");
            assert!(n > 0, "connection closed");
            buf.extend_from_slice(&byte[..n]);
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
        };
        let head = String::from_utf8_lossy(&buf[..header_end]).to_lowercase();
        let status: u16 = head[9..12].parse().expect("status");
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .map(|v| v.trim().parse().expect("length"))
            .unwrap_or(0);
        while buf.len() < header_end + length {
            let n = self.conn.read(&mut byte).expect("read");
            assert!(n > 0, "connection closed");
            buf.extend_from_slice(&byte[..n]);
        }
        status
    }
}
