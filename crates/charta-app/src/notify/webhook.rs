//! Webhook deliveries over HTTP, signed the Standard Webhooks way, and
//! never to an address inside the operator's network.

use charta_domain::notify::{SECRET_PREFIX, forbidden_address, webhook_signature};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// How long a receiver has to answer.
const TIMEOUT: Duration = Duration::from_secs(10);
/// Redirects followed (each checked like the first address).
const MAX_REDIRECTS: usize = 3;

/// What one attempt came to.
#[derive(Debug)]
pub struct Outcome {
    pub status: Option<u16>,
    pub error: Option<String>,
    pub duration_ms: i64,
    /// Trying again cannot help (the address is refused, the URL is
    /// unusable): the delivery fails at once.
    pub permanent: bool,
}

/// A new secret, as shown once to the chair: `whsec_` and 32 random bytes
/// in base64.
pub fn new_secret() -> Result<String, getrandom::Error> {
    use base64::Engine as _;
    let mut key = [0u8; 32];
    getrandom::fill(&mut key)?;
    Ok(format!(
        "{SECRET_PREFIX}{}",
        base64::engine::general_purpose::STANDARD.encode(key)
    ))
}

/// The key bytes of a `whsec_…` secret.
fn key_of(secret: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(secret.strip_prefix(SECRET_PREFIX)?)
        .ok()
}

/// Checks a webhook URL as the chair enters it: `https://` (or `http://`),
/// a host, no user name or password, at most 2,000 characters. Where it
/// resolves is checked at each delivery, since DNS can change.
pub fn check_url(url: &str) -> Result<reqwest::Url, String> {
    if url.len() > 2000 {
        return Err("the URL is longer than 2,000 characters".into());
    }
    let parsed =
        reqwest::Url::parse(url.trim()).map_err(|e| format!("{url:?} is not a URL ({e})"))?;
    if !matches!(parsed.scheme(), "https" | "http") {
        return Err(format!(
            "webhooks are delivered over https (or http), not {:?}",
            parsed.scheme()
        ));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err("the URL names no host".into());
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(
            "put no user name or password in the URL; receivers check the signature instead".into(),
        );
    }
    Ok(parsed)
}

/// Resolves the URL's host and refuses forbidden addresses (unless
/// `allow_private`); returns the host and the addresses to connect to.
async fn resolve(
    url: &reqwest::Url,
    allow_private: bool,
) -> Result<(String, Vec<SocketAddr>), String> {
    let host = url
        .host_str()
        .ok_or("the URL names no host")?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let port = url.port_or_known_default().unwrap_or(443);
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), port))
        .await
        .map_err(|e| format!("cannot resolve {host}: {e}"))?
        .collect();
    if addrs.is_empty() {
        return Err(format!("{host} has no address"));
    }
    if !allow_private && let Some(bad) = addrs.iter().find(|a| forbidden_address(a.ip())) {
        return Err(format!(
            "refused: {host} resolves to {}, a loopback, private, link-local or reserved address",
            bad.ip()
        ));
    }
    Ok((host, addrs))
}

/// Posts one signed delivery to `url`, following up to three redirects
/// that keep the method (307 and 308), each checked like the first.
pub async fn post(
    url: &str,
    secret: &str,
    message_id: &str,
    body: &str,
    allow_private: bool,
) -> Outcome {
    let started = Instant::now();
    let elapsed = || i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    let fail = |error: String, status: Option<u16>, permanent: bool| Outcome {
        status,
        error: Some(error),
        duration_ms: elapsed(),
        permanent,
    };
    let Some(key) = key_of(secret) else {
        return fail("the webhook's secret is unreadable".into(), None, true);
    };
    let mut target = match check_url(url) {
        Ok(u) => u,
        Err(e) => return fail(e, None, true),
    };
    for _ in 0..=MAX_REDIRECTS {
        let (host, addrs) = match resolve(&target, allow_private).await {
            Ok(r) => r,
            Err(e) => {
                let permanent = e.starts_with("refused");
                return fail(e, None, permanent);
            }
        };
        // Connect to the addresses just checked, not to whatever a second
        // lookup would return.
        let client = match reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(TIMEOUT)
            .resolve_to_addrs(&host, &addrs)
            .user_agent("Charta-Webhooks/1")
            .build()
        {
            Ok(c) => c,
            Err(e) => return fail(format!("cannot make an HTTP client: {e}"), None, false),
        };
        let timestamp = time::OffsetDateTime::now_utc().unix_timestamp();
        let signature = webhook_signature(&key, message_id, timestamp, body.as_bytes());
        let response = client
            .post(target.clone())
            .header("content-type", "application/json")
            .header("webhook-id", message_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body.to_string())
            .send()
            .await;
        let response = match response {
            Ok(r) => r,
            Err(e) => return fail(format!("no answer: {e}"), None, false),
        };
        let status = response.status();
        if status.is_success() {
            return Outcome {
                status: Some(status.as_u16()),
                error: None,
                duration_ms: elapsed(),
                permanent: false,
            };
        }
        if matches!(status.as_u16(), 307 | 308) {
            let next = response
                .headers()
                .get("location")
                .and_then(|l| l.to_str().ok())
                .and_then(|l| target.join(l).ok());
            match next {
                Some(next) => {
                    target = next;
                    continue;
                }
                None => {
                    return fail(
                        "redirected without a usable Location".into(),
                        Some(status.as_u16()),
                        false,
                    );
                }
            }
        }
        return fail(
            format!("the receiver answered {status}"),
            Some(status.as_u16()),
            false,
        );
    }
    fail(format!("more than {MAX_REDIRECTS} redirects"), None, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_whsec_and_32_bytes() {
        let s = new_secret().unwrap();
        assert!(s.starts_with("whsec_"));
        assert_eq!(key_of(&s).unwrap().len(), 32);
        assert_ne!(s, new_secret().unwrap());
        assert!(key_of("whsec_!!").is_none());
    }

    #[test]
    fn urls_are_checked_when_entered() {
        assert!(check_url("https://hooks.example.org/charta").is_ok());
        assert!(check_url("ftp://example.org").unwrap_err().contains("ftp"));
        assert!(check_url("https://user:pw@example.org").is_err());
        assert!(check_url("not a url").is_err());
        assert!(check_url(&format!("https://example.org/{}", "a".repeat(2000))).is_err());
    }

    #[tokio::test]
    async fn loopback_and_metadata_addresses_are_refused_before_connecting() {
        for url in [
            "http://127.0.0.1:9/hook",
            "http://[::1]:9/hook",
            "http://169.254.169.254/latest/meta-data",
            "http://localhost:9/hook",
        ] {
            let out = post(url, "whsec_AAAA", "msg_1", "{}", false).await;
            assert!(out.permanent, "{url}: {out:?}");
            assert!(
                out.error
                    .as_deref()
                    .unwrap_or_default()
                    .starts_with("refused"),
                "{url}: {out:?}"
            );
        }
    }
}
