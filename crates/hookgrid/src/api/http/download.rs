//! The downloads. `POST /api/save_part_body`: a part's body as it arrived.
//! `POST /api/export_rows`: the export panel's [`ExportRequest`] answered with the file
//! itself. Its `path` only names the download. Everything that can refuse the export does so
//! before the answer starts (a JSON error with its status); then the file is written to the
//! response as it is produced, through a small bounded channel, so a million-row CSV is never
//! held whole in memory as text. A failure part way aborts the response, which a browser shows
//! as a failed download, never as a complete file.

use std::io::Write;
use std::path::Path;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::stream;
use tokio::sync::{mpsc, oneshot};

use super::{ApiError, App, auth, read_json};
use crate::api::ExportRequest;
use crate::{Error, ExportFormat, Result};

/// Chunks of the file in flight between the writer and the socket, at most.
const IN_FLIGHT: usize = 4;
/// Bytes gathered before a chunk is sent.
const CHUNK: usize = 256 * 1024;

/// A `Write` that sends what is written down a channel to the response body.
struct ToResponse(mpsc::Sender<std::io::Result<Bytes>>);

impl Write for ToResponse {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .blocking_send(Ok(Bytes::copy_from_slice(buf)))
            .map_err(|_| {
                std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the download was cancelled")
            })?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The request's arguments: `{"request": ExportRequest}` as the page invokes it, or the
/// `ExportRequest` alone, as a script may send it.
fn request_of(args: serde_json::Value) -> Result<ExportRequest> {
    let inner = match args {
        serde_json::Value::Object(mut o) if o.contains_key("request") => {
            o.remove("request").unwrap_or(serde_json::Value::Null)
        }
        other => other,
    };
    serde_path_to_error::deserialize(inner).map_err(|e| {
        Error::BadRequest(format!(
            "the export request is not valid at {}: {}",
            e.path(),
            e.inner()
        ))
    })
}

/// The download's file name: the name the request gives, else the import's batch id, made of
/// plain characters only, with the format's extension.
fn file_name(requested: &str, batch_id: &str, format: ExportFormat) -> String {
    let stem = Path::new(requested.trim())
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| batch_id.to_owned());
    let plain: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .take(120)
        .collect();
    format!("{}.{}", plain.trim_matches('.'), format.extension())
}

pub(super) async fn export_rows(
    State(app): State<App>,
    req: Request,
) -> Result<Response, ApiError> {
    let (who, _) = auth::allowed(&app, auth::Seen::of(&req), "export_rows").await?;
    let request = request_of(read_json(req, &app.options).await?)?;
    let format = ExportFormat::from_path(Path::new(request.path.trim())).map_err(Error::Frames)?;
    let (chunks, body) = mpsc::channel::<std::io::Result<Bytes>>(IN_FLIGHT);
    let (ready, prepared) = oneshot::channel::<Result<(u64, String)>>();
    let hookgrid = app.hookgrid.clone();
    let user = who.caller.name.clone();
    tokio::task::spawn_blocking(move || {
        let download = hookgrid.resolve(&request.event).and_then(|batch| {
            let view = request.scope.view(request.view.clone());
            let download = hookgrid.prepare_download(&batch, &view, format, request.settings())?;
            Ok((file_name(&request.path, &batch.batch, format), download))
        });
        let (name, download) = match download {
            Ok(d) => d,
            Err(e) => {
                let _ = ready.send(Err(e));
                return;
            }
        };
        let rows = download.rows();
        if ready.send(Ok((rows, name.clone()))).is_err() {
            return;
        }
        let mut sink = std::io::BufWriter::with_capacity(CHUNK, ToResponse(chunks.clone()));
        let written = download
            .write_to(&mut sink)
            .and_then(|()| sink.flush().map_err(|e| crate::error::io(&name)(e)));
        match written {
            Ok(()) => tracing::info!("download: {name} ({rows} rows) for {user}"),
            Err(e) => {
                tracing::warn!("download of {name} for {user} stopped: {e}");
                let _ = chunks.blocking_send(Err(std::io::Error::other(e.to_string())));
            }
        }
    });
    let (rows, name) = prepared
        .await
        .map_err(|_| Error::Internal("the export task ended early".to_owned()))??;
    let body = Body::from_stream(stream::unfold(body, |mut body| async move {
        body.recv().await.map(|chunk| (chunk, body))
    }));
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.media_type()),
    );
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(value) = HeaderValue::from_str(&rows.to_string()) {
        headers.insert("x-hookgrid-rows", value);
    }
    Ok(response)
}

#[derive(Debug, serde::Deserialize)]
struct PartArgs {
    event: String,
    part: u32,
}

/// `POST /api/save_part_body` `{"event", "part"}`: the part's body exactly as it arrived, as
/// a download (`part-N.json`).
pub(super) async fn part_body(State(app): State<App>, req: Request) -> Result<Response, ApiError> {
    auth::allowed(&app, auth::Seen::of(&req), "save_part_body").await?;
    let args: PartArgs = serde_path_to_error::deserialize(read_json(req, &app.options).await?)
        .map_err(|e| {
            Error::BadRequest(format!("argument {} is not valid: {}", e.path(), e.inner()))
        })?;
    let hookgrid = app.hookgrid.clone();
    let number = args.part;
    let body = tokio::task::spawn_blocking(move || {
        hookgrid.part_body(&hookgrid.resolve(&args.event)?, args.part)
    })
    .await
    .map_err(|e| Error::Internal(format!("the task failed: {e}")))??;
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Ok(value) =
        HeaderValue::from_str(&format!("attachment; filename=\"part-{number}.json\""))
    {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_is_named_as_asked_in_plain_characters_or_after_the_batch() {
        let csv = ExportFormat::Csv;
        assert_eq!(file_name("q3 export.csv", "b-1", csv), "q3_export.csv");
        assert_eq!(file_name("/home/ana/Documents/x.csv", "b-1", csv), "x.csv");
        assert_eq!(
            file_name("", "596c2c5f", ExportFormat::Xlsx),
            "596c2c5f.xlsx"
        );
        assert_eq!(file_name("a\"; evil=.csv", "b", csv), "a___evil_.csv");
        assert_eq!(file_name("../../etc/passwd.csv", "b", csv), "passwd.csv");
    }

    #[test]
    fn the_request_is_taken_wrapped_as_invoked_or_alone() {
        let request = serde_json::json!({
            "event": "e", "view": {"rows": "all", "filter": null, "search": null, "sort": null},
            "scope": "view", "path": "x.csv", "meta": false, "allow_incomplete": false,
        });
        let alone = request_of(request.clone()).expect("alone");
        let wrapped = request_of(serde_json::json!({ "request": request })).expect("wrapped");
        assert_eq!(alone.event, "e");
        assert_eq!(wrapped.path, "x.csv");
        let bad = request_of(serde_json::json!({"request": {"event": 1}})).expect_err("bad");
        assert_eq!(bad.kind(), "bad_request");
    }
}
