//! The installers, checked as their files (`make package-test`, after `make package`): both
//! `.deb`s are unpacked into a temporary root (not installed), their files and control fields
//! read, the unpacked `hookgrid` run as the systemd unit runs it (its `ExecStart`, the
//! settings file's variables) and sent an import, and the unpacked app started under Xvfb.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use hookgrid_tests::desktop::{Desktop, free_port};
use hookgrid_tests::{Workspace, payload, post};
use serde_json::json;

/// The workspace version: what every package must carry.
fn version() -> String {
    let manifest = include_str!("../../Cargo.toml");
    manifest
        .lines()
        .find_map(|l| l.strip_prefix("version = \""))
        .and_then(|v| v.strip_suffix('"'))
        .expect("workspace version")
        .to_owned()
}

fn packages() -> PathBuf {
    PathBuf::from(
        std::env::var_os("HOOKGRID_PACKAGES").expect("HOOKGRID_PACKAGES: run `make package-test`"),
    )
}

/// The `.deb` of `package` at `version` for this machine's architecture.
fn deb(package: &str, version: &str) -> PathBuf {
    let arch = Command::new("dpkg")
        .arg("--print-architecture")
        .output()
        .expect("dpkg")
        .stdout;
    let arch = String::from_utf8_lossy(&arch);
    packages().join(format!("{package}_{version}_{}.deb", arch.trim()))
}

fn unpack(deb: &Path, root: &Path) {
    let ok = Command::new("dpkg-deb")
        .arg("-x")
        .arg(deb)
        .arg(root)
        .status()
        .expect("dpkg-deb");
    assert!(ok.success(), "dpkg-deb -x {}", deb.display());
}

fn field(deb: &Path, name: &str) -> String {
    let out = Command::new("dpkg-deb")
        .arg("-f")
        .arg(deb)
        .arg(name)
        .output()
        .expect("dpkg-deb -f");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// `KEY=value` lines of an environment file, as systemd reads them (comments skipped).
fn env_file(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

/// The values of `Key=` lines in a unit file.
fn unit_values<'a>(unit: &'a str, key: &str) -> Vec<&'a str> {
    unit.lines()
        .filter_map(|l| l.trim().strip_prefix(&format!("{key}=")))
        .collect()
}

#[test]
#[ignore = "needs the packages: `make package-test` builds them and runs this"]
fn the_server_package_installs_a_listener_that_runs_as_its_unit_says() {
    let version = version();
    let deb = deb("hookgrid-server", &version);
    assert_eq!(field(&deb, "Package"), "hookgrid-server");
    assert_eq!(field(&deb, "Version"), version);
    assert!(
        field(&deb, "Depends").starts_with("libc6 (>= 2."),
        "{}",
        field(&deb, "Depends")
    );
    let root = tempfile::tempdir().expect("root");
    unpack(&deb, root.path());
    for file in [
        "usr/bin/hookgrid",
        "usr/lib/systemd/system/hookgrid.service",
        "etc/hookgrid/hookgrid.env",
        "usr/lib/sysusers.d/hookgrid.conf",
        "usr/share/doc/hookgrid-server/CHANGELOG.md",
        "usr/share/doc/hookgrid-server/examples/Caddyfile",
        "usr/share/doc/hookgrid-server/examples/nginx.conf",
    ] {
        assert!(root.path().join(file).is_file(), "{file} is missing");
    }
    let bin = root.path().join("usr/bin/hookgrid");
    let said = Command::new(&bin)
        .arg("--version")
        .output()
        .expect("--version");
    assert_eq!(
        String::from_utf8_lossy(&said.stdout).trim(),
        format!("hookgrid {version}")
    );

    // The unit: an unprivileged user, the data dir under /var/lib, settings from /etc,
    // restarts, and the hardening systemd offers.
    let unit = std::fs::read_to_string(root.path().join("usr/lib/systemd/system/hookgrid.service"))
        .expect("unit");
    for line in [
        "User=hookgrid",
        "Environment=HOOKGRID_DATA_DIR=/var/lib/hookgrid",
        "EnvironmentFile=/etc/hookgrid/hookgrid.env",
        "Restart=on-failure",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "ReadWritePaths=/var/lib/hookgrid",
        "PrivateTmp=yes",
        "StateDirectory=hookgrid",
        // Above systemd's 1,024, so the connection cap (below it) leaves room for many.
        "LimitNOFILE=65536",
    ] {
        assert!(
            unit.lines().any(|l| l.trim() == line),
            "the unit lacks {line}"
        );
    }
    if Path::new("/usr/bin/systemd-analyze").exists() {
        // Verified as installed: the unit with ExecStart pointing at the unpacked binary.
        let dir = tempfile::tempdir().expect("unit dir");
        let copy = dir.path().join("hookgrid.service");
        std::fs::write(
            &copy,
            unit.replace("/usr/bin/hookgrid", &bin.display().to_string()),
        )
        .expect("unit copy");
        let out = Command::new("systemd-analyze")
            .arg("verify")
            .arg(&copy)
            .output()
            .expect("systemd-analyze");
        let said = String::from_utf8_lossy(&out.stderr);
        let problems: Vec<&str> = said
            .lines()
            .filter(|l| l.contains("hookgrid.service"))
            .collect();
        assert!(problems.is_empty(), "systemd-analyze verify: {said}");
    }

    // Every variable the settings file names (set or commented out) is one `serve` reads.
    let env_text =
        std::fs::read_to_string(root.path().join("etc/hookgrid/hookgrid.env")).expect("env");
    let help = String::from_utf8(
        Command::new(&bin)
            .args(["serve", "--help"])
            .output()
            .expect("help")
            .stdout,
    )
    .expect("help");
    let named: Vec<&str> = env_text
        .lines()
        .map(|l| l.trim_start_matches('#').trim())
        .filter_map(|l| l.split_once('=').map(|(k, _)| k))
        .filter(|k| k.starts_with("HOOKGRID_"))
        .collect();
    assert!(named.len() >= 4, "{named:?}");
    for key in named {
        assert!(
            help.contains(&format!("[env: {key}")),
            "serve does not read {key}:\n{help}"
        );
    }

    // ExecStart, run with the settings file's variables and the unit's Environment= (the data
    // dir moved to a temp dir, the port to a free one): it serves, and an import arrives.
    let mut env = env_file(&env_text);
    for assignment in unit_values(&unit, "Environment") {
        let (k, v) = assignment.split_once('=').expect("Environment=K=V");
        env.insert(k.to_owned(), v.to_owned());
    }
    let data = tempfile::tempdir().expect("data");
    assert_eq!(
        env.get("HOOKGRID_DATA_DIR").map(String::as_str),
        Some("/var/lib/hookgrid")
    );
    assert_eq!(
        env.get("HOOKGRID_LISTEN").map(String::as_str),
        Some("127.0.0.1:8787")
    );
    env.insert(
        "HOOKGRID_DATA_DIR".into(),
        data.path().display().to_string(),
    );
    env.insert(
        "HOOKGRID_LISTEN".into(),
        format!("127.0.0.1:{}", free_port()),
    );
    let exec =
        unit_values(&unit, "ExecStart")[0].replace("/usr/bin/hookgrid", &bin.display().to_string());
    let mut words = exec.split_whitespace();
    let mut child = Command::new(words.next().expect("program"))
        .args(words)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .envs(&env)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("ExecStart");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    // Read to the end, as the journal would: the pipe stays open while serve runs.
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(url) = line.strip_prefix("Webhook URL: ") {
                let _ = tx.send(url.to_owned());
            }
        }
    });
    let url = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("a webhook URL");
    assert!(
        url.starts_with(&format!("http://{}/hooks/", env["HOOKGRID_LISTEN"])),
        "{url}"
    );
    let client = reqwest::blocking::Client::new();
    let (status, body) = post(
        &client,
        &url,
        payload("evt-pkg", "batch-pkg", 1, 1, json!([{"a": "1"}]), json!([])),
    );
    assert_eq!(status, 200, "{body}");
    let ws = Workspace::new(&bin);
    let listed = ws
        .command(&["batches", "--json"])
        .env("HOOKGRID_DATA_DIR", data.path())
        .output()
        .expect("batches");
    assert!(String::from_utf8_lossy(&listed.stdout).contains("batch-pkg"));
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        assert!(Instant::now() < deadline, "serve did not stop");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "serve stopped with {status}");
}

#[test]
#[ignore = "needs the packages: `make package-test` builds them and runs this"]
fn the_app_package_holds_the_app_its_menu_entry_and_icons_and_its_window_opens() {
    let version = version();
    let deb = deb("hookgrid", &version);
    assert_eq!(field(&deb, "Version"), version);
    let depends = field(&deb, "Depends");
    assert!(
        depends.contains("libwebkit2gtk-4.1-0") && depends.contains("libgtk-3-0"),
        "{depends}"
    );
    let rpm = std::fs::read_dir(packages())
        .expect("packages")
        .flatten()
        .any(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(&format!("Hookgrid-{version}-1."))
        });
    assert!(rpm, "no .rpm of {version}");
    let root = tempfile::tempdir().expect("root");
    unpack(&deb, root.path());
    let app = root.path().join("usr/bin/hookgrid-desktop");
    assert!(app.is_file());
    let entries: Vec<PathBuf> = std::fs::read_dir(root.path().join("usr/share/applications"))
        .expect("a desktop entry")
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(entries.len(), 1, "{entries:?}");
    let entry = std::fs::read_to_string(&entries[0]).expect("entry");
    for line in ["Name=Hookgrid", "Exec=hookgrid-desktop", "Type=Application"] {
        assert!(
            entry.lines().any(|l| l == line),
            "the desktop entry lacks {line}:\n{entry}"
        );
    }
    let icons = root.path().join("usr/share/icons/hicolor");
    let sizes: Vec<String> = std::fs::read_dir(&icons)
        .expect("icons")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(sizes.iter().any(|s| s == "128x128"), "{sizes:?}");

    // The unpacked app opens its window (a WebDriver session on it) with its listener.
    let ws = Workspace::new(&app);
    let d = Desktop::launch(&ws);
    let s = d.session();
    s.click(&s.testid("nav-connection"));
    s.wait("the listener running", || {
        s.text_of("[data-testid=\"listener-state\"]")?
            .contains("Listening on")
            .then_some(())
    });
    // Its About names the package's version.
    let about = s.script(
        "return document.querySelector('[data-testid=\"about-version\"]').textContent",
        json!([]),
    );
    assert!(
        about
            .as_str()
            .is_some_and(|a| a.starts_with(&format!("Version {version} "))),
        "{about}"
    );
    d.screenshot(&hookgrid_tests::desktop::screenshots().join("package-app.png"));
}
