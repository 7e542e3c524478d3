//! The stand-in tunnel tools print what Hookgrid's reader takes the address from, and really
//! forward to the port they were given: the tests that run Hookgrid with them can trust both.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::{Command, Stdio};

use hookgrid::connection::tunnel::Provider;
use hookgrid_tests::standin::Standins;

#[test]
fn each_stand_in_prints_an_address_that_reaches_the_port_it_was_given() {
    let standins = Standins::new();
    for provider in Provider::ALL {
        let target = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = target.local_addr().expect("addr").port();
        let args = provider.args(port);
        let mut child = Command::new(standins.dir().join(provider.program()))
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("stand-in");
        let out: Box<dyn Read + Send> = match provider {
            Provider::Cloudflared => Box::new(child.stderr.take().expect("stderr")),
            Provider::Ngrok => Box::new(child.stdout.take().expect("stdout")),
        };
        let mut reader = hookgrid_tunnel::output::Reader::new(provider);
        let address = BufReader::new(out)
            .lines()
            .map_while(Result::ok)
            .find_map(|line| reader.address(&hookgrid_tunnel::output::strip_ansi(&line)))
            .unwrap_or_else(|| panic!("{provider} printed no address"));
        let mut client =
            std::net::TcpStream::connect(address.trim_start_matches("http://")).expect("connect");
        client.write_all(b"ping").expect("write");
        let (mut server, _) = target.accept().expect("forwarded");
        let mut got = [0u8; 4];
        server.read_exact(&mut got).expect("read");
        assert_eq!(&got, b"ping", "{provider}");
        let _ = child.kill();
        let _ = child.wait();
    }
}
