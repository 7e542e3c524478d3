//! The stand-in tunnel tools print what Hookgrid's reader takes the address from, and really
//! forward to the port they were given: the tests that run Hookgrid with them can trust both.
//!
//! Every wait here has a deadline: a stand-in that prints nothing useful or forwards nowhere
//! fails the test with what it printed, instead of holding the run.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use hookgrid::connection::tunnel::Provider;
use hookgrid_tests::standin::Standins;

const PATIENCE: Duration = Duration::from_secs(30);

#[test]
fn each_stand_in_prints_an_address_that_reaches_the_port_it_was_given() {
    let standins = Standins::new();
    for provider in Provider::ALL {
        let target = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = target.local_addr().expect("addr").port();
        let args = provider.args(port);
        let mut child = Command::new(standins.dir().join(provider.program()))
            .args(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("stand-in");
        let out: Box<dyn Read + Send> = match provider {
            Provider::Cloudflared => Box::new(child.stderr.take().expect("stderr")),
            Provider::Ngrok => Box::new(child.stdout.take().expect("stdout")),
        };
        // Lines are read on a thread of their own, so waiting for the address can end.
        let (lines, seen) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if lines.send(line).is_err() {
                    break;
                }
            }
        });
        let mut reader = hookgrid_tunnel::output::Reader::new(provider);
        let mut printed = Vec::new();
        let deadline = Instant::now() + PATIENCE;
        let address = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match seen.recv_timeout(left) {
                Ok(line) => {
                    let line = hookgrid_tunnel::output::strip_ansi(&line);
                    if let Some(address) = reader.address(&line) {
                        break address;
                    }
                    printed.push(line);
                }
                Err(e) => {
                    let _ = child.kill();
                    panic!("{provider} printed no address ({e:?}); it printed: {printed:#?}")
                }
            }
        };
        let mut client =
            std::net::TcpStream::connect(address.trim_start_matches("http://")).expect("connect");
        client.write_all(b"ping").expect("write");
        // Accepted on a thread of its own too, so a stand-in that forwards nowhere fails.
        let (accepted, forwarded) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = accepted.send(target.accept().map(|(server, _)| server));
        });
        let mut server = match forwarded.recv_timeout(PATIENCE) {
            Ok(accepted) => accepted.expect("accept"),
            Err(_) => {
                let _ = child.kill();
                panic!("{provider} did not forward {address} to port {port} within {PATIENCE:?}")
            }
        };
        server
            .set_read_timeout(Some(PATIENCE))
            .expect("read timeout");
        let mut got = [0u8; 4];
        server
            .read_exact(&mut got)
            .expect("read what was forwarded");
        assert_eq!(&got, b"ping", "{provider}");
        let _ = child.kill();
        let _ = child.wait();
    }
}
