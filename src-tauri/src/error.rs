//! The one error the UI receives: `{code, message}`. `code` is stable for the UI to branch on
//! (the facade's error kinds plus a few of the shell's own); `message` is for people.

use serde::Serialize;
use ts_rs::TS;

/// An error as the UI receives it from any command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct IpcError {
    pub code: String,
    pub message: String,
}

impl IpcError {
    pub fn new(code: &str, message: impl Into<String>) -> IpcError {
        IpcError {
            code: code.to_owned(),
            message: message.into(),
        }
    }
}

impl From<hookgrid::Error> for IpcError {
    fn from(e: hookgrid::Error) -> IpcError {
        IpcError::new(e.kind(), e.to_string())
    }
}

impl From<hookgrid::api::client::RemoteError> for IpcError {
    fn from(e: hookgrid::api::client::RemoteError) -> IpcError {
        IpcError {
            code: e.code,
            message: e.message,
        }
    }
}

impl From<tauri::Error> for IpcError {
    fn from(e: tauri::Error) -> IpcError {
        IpcError::new("internal", e.to_string())
    }
}

pub type IpcResult<T> = Result<T, IpcError>;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn facade_errors_keep_their_kind_as_the_code() {
        let e = IpcError::from(hookgrid::Error::NotFound("abc".into()));
        assert_eq!(
            serde_json::to_value(&e).expect("json"),
            json!({
                "code": "not_found",
                "message": "no batch or event matches \"abc\""
            })
        );
        let in_use = hookgrid::Error::Listen {
            addr: "127.0.0.1:8787".into(),
            source: std::io::ErrorKind::AddrInUse.into(),
        };
        assert_eq!(IpcError::from(in_use).code, "address_in_use");
        let fault = hookgrid::Error::Internal("cannot start a thread: out of memory".into());
        assert_eq!(IpcError::from(fault).code, "internal");
        let incomplete = hookgrid::Error::Incomplete {
            batch: "b".into(),
            received: 1,
            expected: 3,
        };
        // The app says what to do in its own words: no CLI flag in the message.
        assert_eq!(
            IpcError::from(incomplete).message,
            "batch b is incomplete (1 of 3 parts)"
        );
    }
}
