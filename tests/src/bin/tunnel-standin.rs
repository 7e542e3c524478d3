//! A stand-in for `cloudflared` and `ngrok` in tests, run under either name (a copy or link
//! named `cloudflared` or `ngrok` first on `PATH`). It prints what the real tool prints (the
//! quick-tunnel box on stderr, with colour codes; ngrok's JSON log lines on stdout) and really
//! forwards: the address it prints is a local port whose connections go to the listener's.
//!
//! `STANDIN_FAIL=1`, or an existing file named by `STANDIN_FAIL_FILE`, makes it print the
//! tool's error and exit 1 instead (a tunnel that cannot come back, e.g. without network). `STANDIN_PIDS=FILE`
//! makes it start a `sleep` in its process group and append both pids to FILE, so a test can
//! check the whole group is gone.

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::Path;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let name = args
        .first()
        .and_then(|a| Path::new(a).file_name())
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_owned();
    // A versioned copy (`cloudflared-2024.8`) is the tool it names.
    let name = ["cloudflared", "ngrok"]
        .into_iter()
        .find(|tool| name.starts_with(tool))
        .map_or(name, str::to_owned);
    let port = match name.as_str() {
        // cloudflared tunnel --no-autoupdate --url http://127.0.0.1:PORT
        "cloudflared" => args
            .iter()
            .position(|a| a == "--url")
            .and_then(|i| args.get(i + 1))
            .and_then(|u| u.rsplit(':').next())
            .and_then(|p| p.parse::<u16>().ok()),
        // ngrok http PORT --log stdout --log-format json
        "ngrok" => args.get(2).and_then(|p| p.parse::<u16>().ok()),
        _ => None,
    };
    let Some(port) = port else {
        eprintln!("tunnel-standin: run me as cloudflared or ngrok with their arguments: {args:?}");
        std::process::exit(2);
    };
    let fail_file = std::env::var_os("STANDIN_FAIL_FILE");
    if std::env::var_os("STANDIN_FAIL").is_some()
        || fail_file.is_some_and(|f| Path::new(&f).exists())
    {
        fail(&name);
    }
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let public = format!("http://{}", listener.local_addr().expect("addr"));
    if let Some(file) = std::env::var_os("STANDIN_PIDS") {
        let mut helper = std::process::Command::new("sleep")
            .arg("600")
            .spawn()
            .expect("sleep");
        let mut pids = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(file)
            .expect("pid file");
        writeln!(pids, "{}\n{}", std::process::id(), helper.id()).expect("pids");
        std::thread::spawn(move || helper.wait());
    }
    announce(&name, &public, port);
    for client in listener.incoming().flatten() {
        std::thread::spawn(move || forward(client, port));
    }
}

/// What the tool prints once its tunnel is up.
fn announce(name: &str, public: &str, port: u16) {
    if name == "cloudflared" {
        let grey = |t: &str| format!("\u{1b}[90m{t}\u{1b}[0m");
        let inf = "\u{1b}[32mINF\u{1b}[0m";
        let at = grey("2026-11-27T10:00:00Z");
        let rule = format!("+{}+", "-".repeat(92));
        let lines = [
            "Thank you for trying Cloudflare Tunnel. Doing so, without a Cloudflare account, is a quick way to experiment and try it out.".to_owned(),
            "Requesting new quick Tunnel on trycloudflare.com...".to_owned(),
            rule.clone(),
            format!("|  {:<90}|", "Your quick Tunnel has been created! Visit it at (it may take some time to be reachable):"),
            format!("|  {public:<90}|"),
            rule,
            format!("Settings: map[ha-connections:1 protocol:quic url:http://127.0.0.1:{port}]"),
            "Registered tunnel connection connIndex=0 connection=0f0f event=0 ip=198.41.192.7 location=fra08 protocol=quic".to_owned(),
        ];
        for line in lines {
            eprintln!("{at} {inf} {line}");
        }
    } else {
        let log = |msg: &str, extra: &str| {
            println!(r#"{{"lvl":"info","msg":"{msg}","t":"2026-11-27T10:00:00Z"{extra}}}"#);
        };
        log(
            "open config file",
            r#","path":"/root/.config/ngrok/ngrok.yml","err":"<nil>""#,
        );
        log("client session established", r#","obj":"tunnels.session""#);
        log(
            "started tunnel",
            &format!(
                r#","addr":"http://localhost:{port}","name":"command_line","obj":"tunnels","url":"{public}""#
            ),
        );
    }
    let _ = std::io::stdout().flush();
}

/// The tool's own failure: no network for cloudflared, no auth token for ngrok.
fn fail(name: &str) -> ! {
    if name == "cloudflared" {
        eprintln!(
            "2026-11-27T10:00:00Z \u{1b}[31mERR\u{1b}[0m Failed to fetch quick Tunnel error=\"dial tcp: lookup api.trycloudflare.com: no such host\""
        );
        eprintln!("2026-11-27T10:00:00Z \u{1b}[31mERR\u{1b}[0m failed to request quick Tunnel");
    } else {
        println!(
            r#"{{"err":"authentication failed: Usage of ngrok requires a verified account and authtoken.\n\nERR_NGROK_4018\n","lvl":"eror","msg":"failed to reconnect session","obj":"tunnels.session","t":"2026-11-27T10:00:01Z"}}"#
        );
    }
    std::process::exit(1);
}

/// Copies bytes both ways between a client and the listener.
fn forward(client: TcpStream, port: u16) {
    let Ok(upstream) = TcpStream::connect(("127.0.0.1", port)) else {
        return;
    };
    let (Ok(mut client_read), Ok(mut upstream_write)) = (client.try_clone(), upstream.try_clone())
    else {
        return;
    };
    let up = std::thread::spawn(move || {
        let _ = std::io::copy(&mut client_read, &mut upstream_write);
        let _ = upstream_write.shutdown(std::net::Shutdown::Write);
    });
    let (mut upstream_read, mut client_write) = (upstream, client);
    let _ = std::io::copy(&mut upstream_read, &mut client_write);
    let _ = client_write.shutdown(std::net::Shutdown::Write);
    let _ = up.join();
}
