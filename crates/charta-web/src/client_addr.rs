//! Which address a request comes from, for per-client limits.
//!
//! Behind a reverse proxy every request arrives from the proxy, and the
//! client's address is in `X-Forwarded-For`. That header is believed only
//! when the request comes from a proxy listed in `CHARTA_TRUSTED_PROXIES`:
//! otherwise any client could name itself anyone and dodge its limits, or
//! make another address look abusive.

use axum::http::HeaderMap;
use std::net::IpAddr;

/// The client's address: the peer's, or, when the peer is a trusted proxy,
/// the right-most address in `X-Forwarded-For` that is not itself a trusted
/// proxy (proxies append, so entries further left are the client's claims).
pub fn client_ip(headers: &HeaderMap, peer: Option<IpAddr>, trusted: &[IpAddr]) -> Option<IpAddr> {
    let peer = peer?;
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let mut hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    hops.reverse();
    let mut client = peer;
    for hop in hops {
        match hop.parse::<IpAddr>() {
            Ok(ip) if trusted.contains(&ip) => client = ip,
            Ok(ip) => return Some(ip),
            // A malformed entry ends what can be believed.
            Err(_) => break,
        }
    }
    Some(client)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xff(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            v.parse().unwrap_or_else(|_| unreachable!()),
        );
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or_else(|_| unreachable!())
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let proxy = ip("10.0.0.2");
        let trusted = [proxy];
        // A client talking directly cannot name itself someone else.
        assert_eq!(
            client_ip(&xff("1.2.3.4"), Some(ip("203.0.113.9")), &trusted),
            Some(ip("203.0.113.9"))
        );
        // Through the proxy, the address the proxy appended counts, not
        // what the client put in front of it.
        assert_eq!(
            client_ip(&xff("6.6.6.6, 198.51.100.7"), Some(proxy), &trusted),
            Some(ip("198.51.100.7"))
        );
        // Chained trusted proxies are skipped.
        assert_eq!(
            client_ip(
                &xff("198.51.100.7, 10.0.0.3"),
                Some(proxy),
                &[proxy, ip("10.0.0.3")]
            ),
            Some(ip("198.51.100.7"))
        );
        assert_eq!(
            client_ip(&xff("garbage"), Some(proxy), &trusted),
            Some(proxy)
        );
        assert_eq!(
            client_ip(&HeaderMap::new(), Some(proxy), &trusted),
            Some(proxy)
        );
        assert_eq!(client_ip(&HeaderMap::new(), None, &trusted), None);
    }
}
