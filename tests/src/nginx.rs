//! nginx run for real with a site of the README's examples: its own prefix dir, config and
//! temp paths in a test's workspace, checked with `nginx -t` before it starts, stopped when
//! dropped.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::desktop::program;

#[derive(Debug)]
pub struct Nginx(Child);

/// The nginx example at `example` (`crates/cli/packaging/…`) as a test runs it: the n-th
/// server block's `listen 443 ssl;` on 127.0.0.1 at `ports[n]`, the certificate and key the
/// test made, and each address as shipped replaced by the test's (`addresses`: from, to).
pub fn example_site(
    example: &Path,
    ports: &[u16],
    (cert, key): (&Path, &Path),
    addresses: &[(&str, &str)],
) -> String {
    let text = std::fs::read_to_string(example).expect("the example");
    let mut site = String::new();
    let mut block = 0;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed == "server {" {
            block += 1;
        }
        let line = if trimmed == "listen 443 ssl;" {
            format!("    listen 127.0.0.1:{} ssl;", ports[block - 1])
        } else if trimmed.starts_with("ssl_certificate ") {
            format!("    ssl_certificate {};", cert.display())
        } else if trimmed.starts_with("ssl_certificate_key ") {
            format!("    ssl_certificate_key {};", key.display())
        } else {
            addresses
                .iter()
                .fold(line.to_owned(), |line, (from, to)| line.replace(from, to))
        };
        site.push_str(&line);
        site.push('\n');
    }
    assert_eq!(block, ports.len(), "the example's server blocks");
    site
}

impl Nginx {
    /// Checks (`nginx -t`) and starts nginx with `site` (server and upstream blocks, as an
    /// example ships them with this test's addresses) in the http block, under `dir`.
    pub fn start(dir: &Path, site: &str) -> Nginx {
        let nginx = program("nginx", &[PathBuf::from("/usr/sbin/nginx")]);
        let temp = dir.join("temp");
        std::fs::create_dir_all(&temp).expect("nginx dir");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            // Its workers run as another user and buffer through here.
            std::fs::set_permissions(&temp, std::fs::Permissions::from_mode(0o777)).expect("mode");
        }
        std::fs::write(dir.join("site.conf"), site).expect("site");
        let conf = format!(
            "worker_processes 1;\nerror_log {err};\npid {pid};\nevents {{}}\nhttp {{\n\
             access_log off;\nclient_body_temp_path {t}/body;\nproxy_temp_path {t}/proxy;\n\
             fastcgi_temp_path {t}/fastcgi;\nuwsgi_temp_path {t}/uwsgi;\nscgi_temp_path {t}/scgi;\n\
             include {site};\n}}\n",
            err = dir.join("error.log").display(),
            pid = dir.join("nginx.pid").display(),
            t = temp.display(),
            site = dir.join("site.conf").display(),
        );
        let conf_path = dir.join("nginx.conf");
        std::fs::write(&conf_path, conf).expect("conf");
        let tested = Command::new(&nginx)
            .arg("-t")
            .arg("-p")
            .arg(dir)
            .arg("-c")
            .arg(&conf_path)
            .output()
            .expect("nginx -t");
        assert!(
            tested.status.success(),
            "nginx -t:\n{}",
            String::from_utf8_lossy(&tested.stderr)
        );
        Nginx(
            Command::new(&nginx)
                .arg("-p")
                .arg(dir)
                .arg("-c")
                .arg(&conf_path)
                .args(["-g", "daemon off;"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("nginx"),
        )
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
