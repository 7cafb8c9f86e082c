//! HTTP API: routes, request validation, and JSON error bodies.
//!
//! axum's own extractors (`Json`, `Path`) answer with plain-text rejection
//! bodies and decode paths leniently (`%zz` passes through as-is), so this
//! module reads the raw body and the raw path itself and decides every status
//! code and message.

use std::borrow::Cow;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{DefaultBodyLimit, FromRef, FromRequestParts, State};
use axum::http::header::{CONNECTION, CONTENT_LENGTH, CONTENT_TYPE, EXPECT, HOST};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Request, StatusCode, Uri, Version};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{BoxError, Router};
use http_body_util::BodyExt;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use tower::ServiceExt;

use crate::json;
use crate::store::{Entry, NO_TTL, Store, now_ms, ttl_ms_from_secs};

/// Largest accepted request body; one byte more is a 413.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Bytes past the limit read and thrown away before a 413. An ordinary
/// oversized upload is read to its end, so the answer reaches the client:
/// closing with a body unread makes the kernel reset the connection, and the
/// reset can destroy the 413 before the client has read it (seen in the
/// conformance suite as EPIPE or a close without an answer). Go's net/http
/// drains for the same reason; beyond this the connection is closed.
const DRAIN_BYTES: usize = 16 * MAX_BODY_BYTES;
/// Largest accepted key, in UTF-8 bytes.
pub const MAX_KEY_BYTES: usize = 1024;
/// Longest accepted request-target; RFC 9112 §3 asks a server to take at
/// least 8000 octets, and the longest key percent-encoded is 3 KiB.
pub const MAX_TARGET_BYTES: usize = 8 * 1024;

const APPLICATION_JSON: HeaderValue = HeaderValue::from_static("application/json");

/// The router's state: the store, and how long a POST body may take to arrive
/// (the spec's request timeout).
#[derive(Clone)]
struct App {
    store: Arc<Store>,
    body_timeout: Duration,
}

impl FromRef<App> for Arc<Store> {
    fn from_ref(app: &App) -> Self {
        app.store.clone()
    }
}

pub fn router(store: Arc<Store>, body_timeout: Duration) -> Router {
    Router::new()
        .route("/kv", post(put_entry))
        .route("/kv/{key}", get(get_entry).delete(delete_entry))
        .route("/healthz", get(healthz))
        .route("/stats", get(stats))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(App {
            store,
            body_timeout,
        })
}

/// Every request: a head that hyper took but the spec refuses is answered
/// here, before any route, and the connection closed (as after a head hyper
/// refuses itself); the router answers the rest.
pub async fn handle<B>(router: Router, request: Request<B>) -> Result<Response, Infallible>
where
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    let refused = if target_len(request.uri()) > MAX_TARGET_BYTES {
        ApiError::new(
            StatusCode::URI_TOO_LONG,
            format!("request target longer than {MAX_TARGET_BYTES} bytes"),
        )
    } else if request.version() == Version::HTTP_11
        && request.headers().get_all(HOST).iter().count() != 1
    {
        // RFC 9112 §3.2; hyper itself accepts a request without one.
        ApiError::bad_request("an HTTP/1.1 request needs exactly one Host header")
    } else {
        return router.oneshot(request).await;
    };
    Ok(refused.closing_connection().into_response())
}

/// The request-target's length as sent (origin form, or absolute form).
fn target_len(uri: &Uri) -> usize {
    uri.scheme_str().map_or(0, |s| s.len() + "://".len())
        + uri.authority().map_or(0, |a| a.as_str().len())
        + uri.path_and_query().map_or(0, |p| p.as_str().len())
}

/// An error answer: status plus `{"error": "<reason>"}`.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: Cow<'static, str>,
    close_connection: bool,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<Cow<'static, str>>) -> Self {
        Self {
            status,
            message: message.into(),
            close_connection: false,
        }
    }

    /// For answers sent before the request body was read in full (413).
    /// hyper then closes the connection rather than read the rest, and without
    /// `Connection: close` a keep-alive client would reuse the dead socket for
    /// its next request and see it fail.
    fn closing_connection(mut self) -> Self {
        self.close_connection = true;
        self
    }

    fn bad_request(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        #[derive(Serialize)]
        struct ErrorBody<'a> {
            error: &'a str,
        }
        let body = serde_json::to_vec(&ErrorBody {
            error: &self.message,
        })
        .expect("a string always serializes");
        let mut response = json_response(self.status, body);
        if self.close_connection {
            response
                .headers_mut()
                .insert(CONNECTION, HeaderValue::from_static("close"));
        }
        response
    }
}

fn json_response(status: StatusCode, body: impl Into<Body>) -> Response {
    let mut response = Response::new(body.into());
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, APPLICATION_JSON);
    response
}

/// Guard extractor: the request says its body is JSON (`application/json`,
/// any parameters), else 415.
struct JsonContentType;

impl<S: Send + Sync> FromRequestParts<S> for JsonContentType {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        match parts.headers.get(CONTENT_TYPE) {
            Some(value) if is_json_content_type(value) => Ok(Self),
            Some(_) => Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Content-Type must be application/json",
            )),
            None => Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "missing Content-Type: expected application/json",
            )),
        }
    }
}

/// Guard extractor for `Expect: 100-continue`: a body declared over the limit
/// is refused at once (413), before the client is invited to send it. hyper
/// sends the 100 Continue as soon as the body is first read, and the handler
/// would otherwise read (and drain) it first.
struct RefuseLargeExpected;

impl<S: Send + Sync> FromRequestParts<S> for RefuseLargeExpected {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        if expects_continue(&parts.headers)
            && declared_length(&parts.headers) > Some(MAX_BODY_BYTES)
        {
            return Err(body_too_large().closing_connection());
        }
        Ok(Self)
    }
}

fn expects_continue(headers: &HeaderMap) -> bool {
    headers
        .get(EXPECT)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"))
}

fn declared_length(headers: &HeaderMap) -> Option<usize> {
    headers.get(CONTENT_LENGTH)?.to_str().ok()?.parse().ok()
}

/// `application/json` in any letter case, whatever parameters follow a `;`
/// (RFC 8259 §11 defines none; `charset` changes nothing). Another media type
/// whose syntax is JSON (`application/vnd.api+json`, `application/problem+json`)
/// is not this API's: 415, as in every server (docs/kv-spec.md).
fn is_json_content_type(value: &HeaderValue) -> bool {
    let bytes = value.as_bytes();
    let essence = match bytes.iter().position(|&b| b == b';') {
        Some(semi) => &bytes[..semi],
        None => bytes,
    };
    essence
        .trim_ascii()
        .eq_ignore_ascii_case(b"application/json")
}

/// The `{key}` of `/kv/{key}`: one path segment, strictly percent-decoded
/// (`a%2Fb` is the key `a/b`; `%zz`, a lone `%` or non-UTF-8 bytes are a 400).
struct KvKey(String);

impl<S: Send + Sync> FromRequestParts<S> for KvKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        // The router matched `/kv/{key}` on the raw path, so the rest is one
        // non-empty segment still in its encoded form.
        let segment = parts.uri.path().strip_prefix("/kv/").unwrap_or_default();
        match percent_decode(segment) {
            Some(key) => Ok(Self(key.into_owned())),
            None => Err(ApiError::bad_request("bad percent-encoding in key")),
        }
    }
}

/// Strict percent-decoding; `None` for a malformed escape or non-UTF-8 result.
fn percent_decode(segment: &str) -> Option<Cow<'_, str>> {
    if !segment.contains('%') {
        return Some(Cow::Borrowed(segment));
    }
    fn hex(b: u8) -> Option<u8> {
        (b as char).to_digit(16).map(|d| d as u8)
    }
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let high = hex(*bytes.get(i + 1)?)?;
            let low = hex(*bytes.get(i + 2)?)?;
            out.push(high << 4 | low);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok().map(Cow::Owned)
}

/// `POST /kv` body. Fields borrow from the request bytes: the key is copied
/// only if the store does not hold it already, the value once into the entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PutBody<'a> {
    #[serde(borrow)]
    key: Cow<'a, str>,
    // A non-Option field: absent is "missing field `value`", `null` is the
    // JSON value null.
    #[serde(borrow)]
    value: &'a RawValue,
    // Absent and `null` both land here as None (no expiry).
    #[serde(default)]
    ttl: Option<f64>,
}

/// A validated `POST /kv` request.
#[derive(Debug)]
struct PutRequest<'a> {
    key: Cow<'a, str>,
    value: &'a RawValue,
    ttl_ms: i64,
}

/// The request body, at most `MAX_BODY_BYTES`; a larger one is drained (up to
/// `DRAIN_BYTES` more) and answered 413.
async fn read_body(mut body: Body) -> Result<Bytes, ApiError> {
    let mut kept = Vec::new();
    let mut seen = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|_| ApiError::bad_request("could not read request body"))?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        seen += data.len();
        if seen <= MAX_BODY_BYTES {
            kept.extend_from_slice(&data);
        } else if seen > MAX_BODY_BYTES + DRAIN_BYTES {
            return Err(body_too_large().closing_connection());
        }
    }
    if seen > MAX_BODY_BYTES {
        return Err(body_too_large());
    }
    Ok(Bytes::from(kept))
}

fn body_too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("request body is larger than {MAX_BODY_BYTES} bytes"),
    )
}

fn parse_put(body: &[u8]) -> Result<PutRequest<'_>, ApiError> {
    // serde's derived struct visitor also accepts a JSON array (fields by
    // position); the contract wants an object.
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => {}
        Some(_) => return Err(ApiError::bad_request("body must be a JSON object")),
        None => return Err(ApiError::bad_request("empty request body")),
    }
    let parsed: PutBody = serde_json::from_slice(body).map_err(|e| {
        // serde_json refuses a lone surrogate in the key (with a confusing
        // message for a lone low one); say plainly that that is the problem.
        if let Some(lone) = json::find_lone_surrogate(body) {
            return ApiError::bad_request(lone.to_string());
        }
        match e.classify() {
            serde_json::error::Category::Data => {
                ApiError::bad_request(format!("invalid request: {e}"))
            }
            _ => ApiError::bad_request(format!("invalid JSON: {e}")),
        }
    })?;
    if parsed.key.is_empty() {
        return Err(ApiError::bad_request("key must not be empty"));
    }
    if parsed.key.len() > MAX_KEY_BYTES {
        return Err(ApiError::bad_request(format!(
            "key is longer than {MAX_KEY_BYTES} UTF-8 bytes"
        )));
    }
    // The key is a str serde_json decoded, surrogates paired; the value is
    // raw text serde_json only checked the syntax of.
    json::check_value(parsed.value).map_err(|e| ApiError::bad_request(e.to_string()))?;
    let ttl_ms = match parsed.ttl {
        None => NO_TTL,
        Some(secs) if secs.is_finite() && secs > 0.0 => ttl_ms_from_secs(secs),
        Some(_) => {
            return Err(ApiError::bad_request(
                "ttl must be a finite number of seconds greater than 0, or null",
            ));
        }
    };
    Ok(PutRequest {
        key: parsed.key,
        value: parsed.value,
        ttl_ms,
    })
}

async fn put_entry(
    State(app): State<App>,
    _: RefuseLargeExpected,
    content_type: Result<JsonContentType, ApiError>,
    body: Body,
) -> Result<StatusCode, ApiError> {
    // The body is read before a bad Content-Type is reported, so a 415
    // leaves the keep-alive connection clean for the next request.
    let body = tokio::time::timeout(app.body_timeout, read_body(body))
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                "request body not received within the request timeout",
            )
            .closing_connection()
        })??;
    content_type?;
    let request = parse_put(&body)?;
    app.store.put(
        &request.key,
        Entry {
            value: json::compact(request.value),
            timestamp: now_ms(),
            ttl: request.ttl_ms,
        },
    );
    Ok(StatusCode::CREATED)
}

async fn get_entry(State(store): State<Arc<Store>>, KvKey(key): KvKey) -> Response {
    // The response is built while the read lock is held: one copy of the value
    // straight into the body, no intermediate clone.
    let body = store.get_with(&key, now_ms(), |value| {
        let value = value.get();
        let mut body = Vec::with_capacity(value.len() + 10);
        body.extend_from_slice(b"{\"value\":");
        body.extend_from_slice(value.as_bytes());
        body.push(b'}');
        body
    });
    match body {
        Some(body) => json_response(StatusCode::OK, body),
        None => ApiError::new(StatusCode::NOT_FOUND, "key not found").into_response(),
    }
}

async fn delete_entry(State(store): State<Arc<Store>>, KvKey(key): KvKey) -> StatusCode {
    store.delete(&key);
    StatusCode::NO_CONTENT
}

async fn healthz() -> Response {
    json_response(StatusCode::OK, r#"{"status":"ok"}"#)
}

async fn stats(State(store): State<Arc<Store>>) -> Response {
    #[derive(Serialize)]
    struct Stats {
        keys: usize,
        shards: Vec<usize>,
    }
    let shards = store.shard_sizes();
    let body = Stats {
        keys: shards.iter().sum(),
        shards,
    };
    json_response(
        StatusCode::OK,
        serde_json::to_vec(&body).expect("numbers always serialize"),
    )
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not found")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method not allowed")
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{Method, Request, header};
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    struct Reply {
        status: StatusCode,
        content_type: Option<String>,
        allow: Option<String>,
        connection: Option<String>,
        body: String,
    }

    impl Reply {
        fn json(&self) -> serde_json::Value {
            serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {:?}", self.body))
        }

        fn assert_error(&self, status: StatusCode) {
            assert_eq!(self.status, status, "{}", self.body);
            assert_eq!(self.content_type.as_deref(), Some("application/json"));
            assert!(self.json()["error"].is_string(), "{}", self.body);
        }
    }

    async fn send(
        app: &Router,
        method: Method,
        uri: &str,
        content_type: Option<&str>,
        body: impl Into<Body>,
    ) -> Reply {
        let mut request = Request::builder().method(method).uri(uri);
        if let Some(ct) = content_type {
            request = request.header(header::CONTENT_TYPE, ct);
        }
        let response = app
            .clone()
            .oneshot(request.body(body.into()).unwrap())
            .await
            .unwrap();
        let header = |name| {
            response
                .headers()
                .get(name)
                .map(|v: &HeaderValue| v.to_str().unwrap().to_owned())
        };
        let (content_type, allow, connection) = (
            header(header::CONTENT_TYPE),
            header(header::ALLOW),
            header(header::CONNECTION),
        );
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Reply {
            status,
            content_type,
            allow,
            connection,
            body: String::from_utf8(bytes.to_vec()).unwrap(),
        }
    }

    async fn post(app: &Router, body: &str) -> Reply {
        send(
            app,
            Method::POST,
            "/kv",
            Some("application/json"),
            body.to_owned(),
        )
        .await
    }

    async fn get_(app: &Router, uri: &str) -> Reply {
        send(app, Method::GET, uri, None, Body::empty()).await
    }

    fn app() -> (Router, Arc<Store>) {
        let store = Arc::new(Store::new(5));
        (router(store.clone(), Duration::from_secs(30)), store)
    }

    #[tokio::test]
    async fn put_then_get_round_trips_any_json_value() {
        let (app, _) = app();
        for value in [
            "17",
            "null",
            "\"s\"",
            "[1,{\"a\":null}]",
            "{\"nested\":{\"x\":true}}",
            "-1.5e3",
            "false",
        ] {
            let reply = post(&app, &format!("{{\"key\":\"k\",\"value\":{value}}}")).await;
            assert_eq!(reply.status, StatusCode::CREATED);
            assert_eq!(reply.body, "");
            let reply = get_(&app, "/kv/k").await;
            assert_eq!(reply.status, StatusCode::OK);
            assert_eq!(reply.content_type.as_deref(), Some("application/json"));
            assert_eq!(reply.body, format!("{{\"value\":{value}}}"));
        }
    }

    #[tokio::test]
    async fn values_are_served_compact() {
        let (app, _) = app();
        post(
            &app,
            "{ \"key\" : \"k\" , \"value\" : { \"a b\" : [ 1 , 2 ] } }",
        )
        .await;
        assert_eq!(get_(&app, "/kv/k").await.body, r#"{"value":{"a b":[1,2]}}"#);
    }

    #[tokio::test]
    async fn ttl_validation() {
        let (app, store) = app();
        for ok in [
            "",
            ",\"ttl\":null",
            ",\"ttl\":1.5",
            ",\"ttl\":0.001",
            ",\"ttl\":3600",
            ",\"ttl\":1e-9",
        ] {
            let reply = post(&app, &format!("{{\"key\":\"k\",\"value\":1{ok}}}")).await;
            assert_eq!(
                reply.status,
                StatusCode::CREATED,
                "ttl {ok:?}: {}",
                reply.body
            );
        }
        for bad in [
            "0", "-1", "-0.5", "\"1\"", "\"NaN\"", "NaN", "Infinity", "1e400", "true", "[]", "{}",
        ] {
            let reply = post(
                &app,
                &format!("{{\"key\":\"k\",\"value\":1,\"ttl\":{bad}}}"),
            )
            .await;
            reply.assert_error(StatusCode::BAD_REQUEST);
        }
        // The stored ttl is in ms.
        post(&app, r#"{"key":"t","value":1,"ttl":1.5}"#).await;
        let shard = crate::store::shard_index("t", 5);
        assert_eq!(store.read_shard(shard).entries["t"].ttl, 1_500);
        post(&app, r#"{"key":"t","value":1,"ttl":null}"#).await;
        assert_eq!(store.read_shard(shard).entries["t"].ttl, NO_TTL);
    }

    #[tokio::test]
    async fn request_validation() {
        let (app, _) = app();
        let long_key = "é".repeat(513); // 1026 UTF-8 bytes, 513 chars
        let bad = [
            "",
            "not json",
            "{\"key\":\"k\",\"value\":1",
            "{\"key\":\"k\",\"value\":1} trailing",
            "[\"k\",1]",
            "\"k\"",
            "null",
            "{\"value\":1}",
            "{\"key\":\"\",\"value\":1}",
            "{\"key\":5,\"value\":1}",
            "{\"key\":null,\"value\":1}",
            "{\"key\":\"k\"}",
            "{\"key\":\"k\",\"value\":1,\"extra\":true}",
            "{\"key\":\"k\",\"key\":\"j\",\"value\":1}",
            "{\"key\":\"k\",\"value\":nul}",
        ];
        for body in bad {
            let reply = post(&app, body).await;
            reply.assert_error(StatusCode::BAD_REQUEST);
        }
        post(&app, &format!("{{\"key\":\"{long_key}\",\"value\":1}}"))
            .await
            .assert_error(StatusCode::BAD_REQUEST);
        let max_key = "é".repeat(512); // exactly 1024 bytes
        assert_eq!(
            post(&app, &format!("{{\"key\":\"{max_key}\",\"value\":1}}"))
                .await
                .status,
            StatusCode::CREATED
        );
        // Escapes in the key are decoded (the key is then owned, not borrowed).
        assert_eq!(
            post(&app, r#"{"key":"a\"b\u00e9","value":1}"#).await.status,
            StatusCode::CREATED
        );
        assert_eq!(get_(&app, "/kv/a%22b%C3%A9").await.body, r#"{"value":1}"#);
    }

    /// A value `depth` levels deep, arrays and objects alternating, with a
    /// string at the bottom.
    fn nested_value(depth: usize) -> String {
        let mut value = String::from("\"bottom\"");
        for i in 0..depth {
            value = if i % 2 == 0 {
                format!("[{value}]")
            } else {
                format!("{{\"level{i}\":{value}}}")
            };
        }
        value
    }

    #[tokio::test]
    async fn values_nest_at_most_512_deep_and_lone_surrogates_are_refused() {
        let (app, store) = app();
        let deepest = nested_value(json::MAX_VALUE_DEPTH);
        let accepted = [
            ("deep-512", deepest.as_str()),
            ("pair-value", r#"{"a":["x \ud83d\ude00"]}"#),
        ];
        for (key, value) in accepted {
            let reply = post(&app, &format!(r#"{{"key":"{key}","value":{value}}}"#)).await;
            assert_eq!(reply.status, StatusCode::CREATED, "{key}: {}", reply.body);
            assert_eq!(
                get_(&app, &format!("/kv/{key}")).await.body,
                format!(r#"{{"value":{value}}}"#)
            );
        }
        // A surrogate pair in the key is the emoji, read back through its UTF-8 percent-encoding.
        let reply = post(&app, r#"{"key":"pair-\ud83d\ude00","value":1}"#).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        assert_eq!(
            get_(&app, "/kv/pair-%F0%9F%98%80").await.body,
            r#"{"value":1}"#
        );

        let refused = [
            (
                format!(r#"{{"key":"k","value":{}}}"#, nested_value(513)),
                "nested more than 512 levels deep",
            ),
            (
                format!(
                    r#"{{"key":"k","value":{}1{}}}"#,
                    "[".repeat(100_000),
                    "]".repeat(100_000)
                ),
                "nested more than 512 levels deep",
            ),
            (
                r#"{"key":"lone-\ud800","value":1}"#.to_owned(),
                r"surrogate escape \ud800",
            ),
            (
                r#"{"key":"lone-\udc00","value":1}"#.to_owned(),
                r"surrogate escape \udc00",
            ),
            (
                r#"{"key":"k","value":{"a":[1,"x\uD800y"]}}"#.to_owned(),
                r"surrogate escape \uD800",
            ),
            (
                r#"{"key":"k","value":{"a":[1,"x\uDC00"]}}"#.to_owned(),
                r"surrogate escape \uDC00",
            ),
            (
                r#"{"key":"k","value":{"\ud800":1}}"#.to_owned(),
                r"surrogate escape \ud800",
            ),
            (
                r#"{"key":"k","value":"\ude00\ud83d"}"#.to_owned(),
                r"surrogate escape \ude00",
            ),
        ];
        for (body, reason) in &refused {
            let reply = post(&app, body).await;
            reply.assert_error(StatusCode::BAD_REQUEST);
            let error = reply.json()["error"].as_str().unwrap().to_owned();
            assert!(
                error.contains(reason),
                "{}: {error}",
                &body[..body.len().min(60)]
            );
        }
        assert_eq!(
            store.shard_sizes().iter().sum::<usize>(),
            3,
            "only the accepted writes are stored"
        );
    }

    #[tokio::test]
    async fn content_type_must_be_json() {
        let (app, _) = app();
        let body = r#"{"key":"k","value":1}"#;
        send(&app, Method::POST, "/kv", None, body)
            .await
            .assert_error(StatusCode::UNSUPPORTED_MEDIA_TYPE);
        send(&app, Method::POST, "/kv", Some("text/plain"), body)
            .await
            .assert_error(StatusCode::UNSUPPORTED_MEDIA_TYPE);
        send(&app, Method::POST, "/kv", Some("application/jsonx"), body)
            .await
            .assert_error(StatusCode::UNSUPPORTED_MEDIA_TYPE);
        let reply = send(
            &app,
            Method::POST,
            "/kv",
            Some("text/plain"),
            "not even JSON",
        )
        .await;
        reply.assert_error(StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert_eq!(
            reply.connection, None,
            "the body was read: keep-alive stays usable"
        );
        for other_json in ["application/vnd.api+json", "application/problem+json"] {
            send(&app, Method::POST, "/kv", Some(other_json), body)
                .await
                .assert_error(StatusCode::UNSUPPORTED_MEDIA_TYPE);
        }
        for ok in [
            "application/json",
            "Application/JSON; charset=utf-8",
            " application/json ;charset",
        ] {
            assert_eq!(
                send(&app, Method::POST, "/kv", Some(ok), body).await.status,
                StatusCode::CREATED,
                "{ok}"
            );
        }
    }

    #[tokio::test]
    async fn body_over_one_mib_is_413() {
        let (app, _) = app();
        let padding = |total: usize| {
            let prefix = r#"{"key":"k","value":""#;
            let suffix = r#""}"#;
            format!(
                "{prefix}{}{suffix}",
                "x".repeat(total - prefix.len() - suffix.len())
            )
        };
        assert_eq!(
            post(&app, &padding(MAX_BODY_BYTES)).await.status,
            StatusCode::CREATED,
            "exactly 1 MiB is fine"
        );
        let reply = post(&app, &padding(MAX_BODY_BYTES + 1)).await;
        reply.assert_error(StatusCode::PAYLOAD_TOO_LARGE);
        // The rest of the body was drained, so the connection is clean to reuse.
        assert_eq!(reply.connection.as_deref(), None);
        // Over the limit wins over a wrong Content-Type.
        send(
            &app,
            Method::POST,
            "/kv",
            Some("text/plain"),
            padding(3 * MAX_BODY_BYTES),
        )
        .await
        .assert_error(StatusCode::PAYLOAD_TOO_LARGE);
    }

    #[tokio::test]
    async fn keys_are_one_percent_decoded_segment() {
        let (app, _) = app();
        post(&app, r#"{"key":"a/b","value":"slash"}"#).await;
        post(&app, r#"{"key":"sp ace+","value":"space"}"#).await;
        assert_eq!(get_(&app, "/kv/a%2Fb").await.body, r#"{"value":"slash"}"#);
        assert_eq!(get_(&app, "/kv/a%2fb").await.body, r#"{"value":"slash"}"#);
        assert_eq!(
            get_(&app, "/kv/sp%20ace+").await.body,
            r#"{"value":"space"}"#
        );
        get_(&app, "/kv/a/b")
            .await
            .assert_error(StatusCode::NOT_FOUND);
        for bad in [
            "/kv/%", "/kv/%2", "/kv/%zz", "/kv/a%G1", "/kv/%FF", "/kv/%C3",
        ] {
            get_(&app, bad).await.assert_error(StatusCode::BAD_REQUEST);
            send(&app, Method::DELETE, bad, None, Body::empty())
                .await
                .assert_error(StatusCode::BAD_REQUEST);
        }
    }

    #[tokio::test]
    async fn get_missing_and_expired_are_404_delete_is_always_204() {
        let (app, store) = app();
        get_(&app, "/kv/nope")
            .await
            .assert_error(StatusCode::NOT_FOUND);
        store.put(
            "old",
            Entry {
                value: RawValue::from_string("1".into()).unwrap(),
                timestamp: now_ms() - 5_000,
                ttl: 1_000,
            },
        );
        get_(&app, "/kv/old")
            .await
            .assert_error(StatusCode::NOT_FOUND);

        post(&app, r#"{"key":"k","value":1}"#).await;
        for _ in 0..2 {
            let reply = send(&app, Method::DELETE, "/kv/k", None, Body::empty()).await;
            assert_eq!(reply.status, StatusCode::NO_CONTENT);
            assert_eq!(reply.body, "");
        }
        get_(&app, "/kv/k")
            .await
            .assert_error(StatusCode::NOT_FOUND);
    }

    #[tokio::test]
    async fn healthz_and_stats() {
        let (app, store) = app();
        let reply = get_(&app, "/healthz").await;
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (StatusCode::OK, r#"{"status":"ok"}"#)
        );
        assert_eq!(reply.content_type.as_deref(), Some("application/json"));

        post(&app, r#"{"key":"key-1","value":1}"#).await;
        post(&app, r#"{"key":"key-2","value":2}"#).await;
        // Expired but not yet swept: still counted.
        store.put(
            "gone",
            Entry {
                value: RawValue::from_string("1".into()).unwrap(),
                timestamp: 0,
                ttl: 1,
            },
        );
        let stats = get_(&app, "/stats").await.json();
        assert_eq!(stats["keys"], 3);
        let mut expected = [0u64; 5];
        for key in ["key-1", "key-2", "gone"] {
            expected[crate::store::shard_index(key, 5)] += 1;
        }
        assert_eq!(stats["shards"], serde_json::json!(expected));
    }

    #[tokio::test]
    async fn unknown_paths_are_404_wrong_methods_405() {
        let (app, _) = app();
        for path in ["/", "/nope", "/kv/", "/kv/a/b", "/healthz/", "/stats/x"] {
            get_(&app, path).await.assert_error(StatusCode::NOT_FOUND);
        }
        for (method, path) in [
            (Method::GET, "/kv"),
            (Method::DELETE, "/kv"),
            (Method::POST, "/kv/k"),
            (Method::PUT, "/kv/k"),
            (Method::POST, "/healthz"),
            (Method::DELETE, "/stats"),
        ] {
            let reply = send(&app, method, path, Some("application/json"), "{}").await;
            reply.assert_error(StatusCode::METHOD_NOT_ALLOWED);
            assert!(reply.allow.is_some(), "405 tells which methods are allowed");
        }
    }

    #[tokio::test]
    async fn heads_the_spec_refuses_are_answered_before_any_route_and_close() {
        let (app, _) = app();
        let request = |target: &str, hosts: &[&str], version| {
            let mut request = Request::builder().uri(target).version(version);
            for host in hosts {
                request = request.header(header::HOST, *host);
            }
            request.body(Body::empty()).unwrap()
        };
        let long = format!(
            "/healthz?p={}",
            "a".repeat(MAX_TARGET_BYTES - "/healthz?p=".len())
        );
        let too_long = format!("{long}a");
        for (request, status) in [
            (request(&long, &["x"], Version::HTTP_11), StatusCode::OK),
            (request("/healthz", &[], Version::HTTP_10), StatusCode::OK),
            (
                request(&too_long, &["x"], Version::HTTP_11),
                StatusCode::URI_TOO_LONG,
            ),
            (
                request("/healthz", &[], Version::HTTP_11),
                StatusCode::BAD_REQUEST,
            ),
            (
                request("/healthz", &["x", "y"], Version::HTTP_11),
                StatusCode::BAD_REQUEST,
            ),
        ] {
            let response = handle(app.clone(), request).await.unwrap();
            assert_eq!(response.status(), status);
            let closes = response
                .headers()
                .get(header::CONNECTION)
                .is_some_and(|v| v == "close");
            assert_eq!(closes, status != StatusCode::OK);
        }
    }

    /// `POST /kv` with these headers and a body that never comes: the status,
    /// and whether the answer closes the connection.
    async fn post_never_ending(
        app: Router,
        headers: &[(header::HeaderName, &str)],
    ) -> (StatusCode, bool) {
        let mut request = Request::builder()
            .method(Method::POST)
            .uri("/kv")
            .header(header::CONTENT_TYPE, "application/json");
        for (name, value) in headers {
            request = request.header(name, *value);
        }
        let response = app
            .oneshot(request.body(Body::new(Never)).unwrap())
            .await
            .unwrap();
        let closes = response
            .headers()
            .get(header::CONNECTION)
            .is_some_and(|v| v == "close");
        (response.status(), closes)
    }

    #[tokio::test]
    async fn an_expected_body_over_the_limit_is_refused_before_it_is_read() {
        let headers = [
            (header::CONTENT_LENGTH, "100000000"),
            (header::EXPECT, "100-continue"),
        ];
        assert_eq!(
            post_never_ending(app().0, &headers).await,
            (StatusCode::PAYLOAD_TOO_LARGE, true)
        );
    }

    #[tokio::test]
    async fn a_body_still_arriving_at_the_request_timeout_is_408() {
        let app = router(Arc::new(Store::new(5)), Duration::from_millis(50));
        assert_eq!(
            post_never_ending(app, &[]).await,
            (StatusCode::REQUEST_TIMEOUT, true)
        );
    }

    /// A request body whose bytes never come.
    struct Never;

    impl HttpBody for Never {
        type Data = Bytes;
        type Error = Infallible;

        fn poll_frame(
            self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, Infallible>>> {
            std::task::Poll::Pending
        }
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("plain").as_deref(), Some("plain"));
        assert_eq!(percent_decode("a%2Fb").as_deref(), Some("a/b"));
        assert_eq!(percent_decode("%C3%A9").as_deref(), Some("é"));
        assert_eq!(percent_decode("100%"), None);
        assert_eq!(percent_decode("%C3"), None, "not UTF-8");
    }
}
