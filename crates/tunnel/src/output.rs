//! Reading a tunnel's public address from what it prints. Only the shapes below are trusted:
//! cloudflared's box on stderr after "Your quick Tunnel has been created", and ngrok's JSON log
//! line `"msg":"started tunnel"` with its `url`. Anything else is kept as log text only.

use crate::Provider;

/// A line without ANSI colour codes (cloudflared colours its levels on a terminal).
pub fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\u{1b}' {
            out.push(c);
            continue;
        }
        // CSI: ESC [ parameters… final byte in @..~; a character set: ESC ( or ) and one
        // byte; other escapes: ESC and one byte.
        match chars.next() {
            Some('[') => {
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            Some('(' | ')') => {
                chars.next();
            }
            _ => {}
        }
    }
    out
}

/// Reads one tool's output, line by line.
#[derive(Debug)]
pub struct Reader {
    provider: Provider,
    /// cloudflared: the line announcing the box was seen; the address is on a line after it.
    announced: bool,
}

impl Reader {
    pub fn new(provider: Provider) -> Reader {
        Reader {
            provider,
            announced: false,
        }
    }

    /// The public address when `line` (colour codes already stripped) gives it.
    pub fn address(&mut self, line: &str) -> Option<String> {
        match self.provider {
            Provider::Cloudflared => {
                if line.contains("Your quick Tunnel has been created") {
                    self.announced = true;
                    return None;
                }
                if !self.announced || !line.contains('|') {
                    return None;
                }
                let found = url_in(line)?;
                self.announced = false;
                Some(found)
            }
            Provider::Ngrok => {
                let value: serde_json::Value = serde_json::from_str(line.trim()).ok()?;
                if value.get("msg")?.as_str()? != "started tunnel" {
                    return None;
                }
                let url = value.get("url")?.as_str()?;
                plain_url(url).then(|| url.to_owned())
            }
        }
    }

    /// What a failing line says, for the user: ngrok's `err` field, cloudflared's `ERR` lines.
    pub fn failure(&self, line: &str) -> Option<String> {
        match self.provider {
            Provider::Cloudflared => {
                let at = line.find(" ERR ")?;
                Some(line[at + 5..].trim().to_owned())
            }
            Provider::Ngrok => {
                let value: serde_json::Value = serde_json::from_str(line.trim()).ok()?;
                let err = value.get("err")?.as_str()?;
                (err != "<nil>").then(|| err.to_owned())
            }
        }
    }
}

/// The first `http://` or `https://` address in `line`, ended by a space or `|`.
fn url_in(line: &str) -> Option<String> {
    let start = line.find("https://").or_else(|| line.find("http://"))?;
    let rest = &line[start..];
    let end = rest
        .find(|c: char| c.is_whitespace() || c == '|')
        .unwrap_or(rest.len());
    let url = &rest[..end];
    plain_url(url).then(|| url.to_owned())
}

/// An address made only of the characters a host, port and path need: nothing that could be
/// markup or a second command ever passes.
fn plain_url(url: &str) -> bool {
    let Some(rest) = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
    else {
        return false;
    };
    !rest.is_empty()
        && rest.len() <= 253
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '/' | '_'))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// cloudflared 2024.x on a terminal: coloured levels, noise, the box.
    const CLOUDFLARED: &str = "\
\u{1b}[90m2026-11-27T10:00:00Z\u{1b}[0m \u{1b}[32mINF\u{1b}[0m Thank you for trying Cloudflare Tunnel. Doing so, without a Cloudflare account, is a quick way to experiment and try it out. However, be aware that these account-less Tunnels have no uptime guarantee.
\u{1b}[90m2026-11-27T10:00:00Z\u{1b}[0m \u{1b}[32mINF\u{1b}[0m Requesting new quick Tunnel on trycloudflare.com...
\u{1b}[90m2026-11-27T10:00:01Z\u{1b}[0m \u{1b}[32mINF\u{1b}[0m +--------------------------------------------------------------------------------------------+
\u{1b}[90m2026-11-27T10:00:01Z\u{1b}[0m \u{1b}[32mINF\u{1b}[0m |  Your quick Tunnel has been created! Visit it at (it may take some time to be reachable):  |
\u{1b}[90m2026-11-27T10:00:01Z\u{1b}[0m \u{1b}[32mINF\u{1b}[0m |  https://seasonal-deck-organisms-sf.trycloudflare.com                                      |
\u{1b}[90m2026-11-27T10:00:01Z\u{1b}[0m \u{1b}[32mINF\u{1b}[0m +--------------------------------------------------------------------------------------------+
2026-11-27T10:00:01Z INF Settings: map[ha-connections:1 protocol:quic url:http://127.0.0.1:8787]
2026-11-27T10:00:02Z INF Registered tunnel connection connIndex=0 connection=1a2b event=0 ip=198.41.192.7 location=fra08 protocol=quic";

    #[test]
    fn cloudflared_s_box_gives_the_address_and_nothing_else_does() {
        let mut reader = Reader::new(Provider::Cloudflared);
        let found: Vec<String> = CLOUDFLARED
            .lines()
            .filter_map(|l| reader.address(&strip_ansi(l)))
            .collect();
        assert_eq!(
            found,
            ["https://seasonal-deck-organisms-sf.trycloudflare.com"]
        );
        // The settings line names the local URL, but outside the box it is not the address.
        let mut fresh = Reader::new(Provider::Cloudflared);
        assert_eq!(
            fresh.address("INF Settings: map[url:http://127.0.0.1:8787]"),
            None
        );
    }

    #[test]
    fn cloudflared_errors_are_read_for_the_user() {
        let reader = Reader::new(Provider::Cloudflared);
        let line = strip_ansi(
            "\u{1b}[90m2026-11-27T10:00:00Z\u{1b}[0m \u{1b}[31mERR\u{1b}[0m Failed to fetch quick Tunnel error=\"dial tcp: lookup api.trycloudflare.com: no such host\"",
        );
        assert_eq!(
            reader.failure(&line).as_deref(),
            Some(
                "Failed to fetch quick Tunnel error=\"dial tcp: lookup api.trycloudflare.com: no such host\""
            )
        );
        assert_eq!(reader.failure("2026 INF Registered tunnel"), None);
    }

    #[test]
    fn ngrok_s_json_log_gives_the_address_and_its_errors() {
        let mut reader = Reader::new(Provider::Ngrok);
        let lines = [
            r#"{"addr":"","lvl":"info","msg":"open config file","path":"/root/.config/ngrok/ngrok.yml","t":"2026-11-27T10:00:00Z"}"#,
            r#"{"lvl":"info","msg":"client session established","obj":"tunnels.session","t":"2026-11-27T10:00:01Z"}"#,
            r#"{"addr":"http://localhost:8787","lvl":"info","msg":"started tunnel","name":"command_line","obj":"tunnels","t":"2026-11-27T10:00:01Z","url":"https://1a2b-203-0-113-7.ngrok-free.app"}"#,
            "not json at all",
        ];
        let found: Vec<String> = lines.iter().filter_map(|l| reader.address(l)).collect();
        assert_eq!(found, ["https://1a2b-203-0-113-7.ngrok-free.app"]);
        let auth = r#"{"err":"authentication failed: Usage of ngrok requires a verified account and authtoken.\n\nERR_NGROK_4018\n","lvl":"eror","msg":"failed to reconnect session","obj":"tunnels.session","t":"2026-11-27T10:00:01Z"}"#;
        assert!(
            reader
                .failure(auth)
                .is_some_and(|m| m.contains("ERR_NGROK_4018"))
        );
        assert_eq!(
            reader.failure(r#"{"err":"<nil>","lvl":"info","msg":"x"}"#),
            None
        );
    }

    #[test]
    fn only_plain_addresses_are_taken() {
        let mut reader = Reader::new(Provider::Ngrok);
        for url in [
            "javascript:alert(1)",
            "https://x.ngrok.app/<script>",
            "https://x.ngrok.app;rm -rf /",
            "https://",
        ] {
            let line = serde_json::json!({"msg": "started tunnel", "url": url}).to_string();
            assert_eq!(reader.address(&line), None, "{url}");
        }
        let mut box_reader = Reader::new(Provider::Cloudflared);
        box_reader.address("|  Your quick Tunnel has been created!  |");
        assert_eq!(
            box_reader.address("|  https://a.trycloudflare.com\"><img src=x>  |"),
            None
        );
    }

    #[test]
    fn colour_codes_go_and_text_stays() {
        assert_eq!(
            strip_ansi("\u{1b}[1;31mERR\u{1b}[0m plain \u{1b}(B"),
            "ERR plain "
        );
        assert_eq!(strip_ansi("no codes"), "no codes");
    }
}
