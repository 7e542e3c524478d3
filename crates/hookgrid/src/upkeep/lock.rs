//! One listener per data dir. The shell that runs the listener (`serve`, the app) holds an
//! exclusive lock on `listener.lock` in the data dir for as long as it runs, with its process
//! id written in it: a second one says which process holds the data dir and exits, instead of
//! both serving (and the second stopping the first one's tunnel as "left behind"). Read
//! commands take no lock and work beside it. The lock is the OS's (`flock`): it goes with the
//! process, however that ends.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};

use crate::{Error, Hookgrid, Result};

/// The lock file, in the data dir.
const LOCK: &str = "listener.lock";

/// The data dir held for this process's listener; let go when dropped.
#[derive(Debug)]
pub struct ListenerLock {
    _file: File,
}

impl Hookgrid {
    /// Holds the data dir for this process's listener; [`Error::InUse`] naming the process
    /// that holds it already.
    pub fn lock_listener(&self) -> Result<ListenerLock> {
        self.refuse_read_only()?;
        let path = self.data_dir().root().join(LOCK);
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(crate::error::io(&path))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = holder.trim();
                return Err(Error::InUse(format!(
                    "another Hookgrid ({}) is listening on the data dir {}",
                    if holder.is_empty() {
                        "its process id unknown".to_owned()
                    } else {
                        holder.to_owned()
                    },
                    self.data_dir().root().display()
                )));
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(crate::error::io(&path)(e)),
        }
        let me = format!(
            "process {}, {}",
            std::process::id(),
            std::env::args()
                .next()
                .and_then(|a| {
                    std::path::Path::new(&a)
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                })
                .unwrap_or_else(|| "hookgrid".to_owned())
        );
        let _ = file.set_len(0);
        let _ = file.seek(SeekFrom::Start(0));
        let _ = writeln!(file, "{me}");
        let _ = file.flush();
        Ok(ListenerLock { _file: file })
    }
}
