//! Benchmark figures printed beside their targets; a missed target fails the run.

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
