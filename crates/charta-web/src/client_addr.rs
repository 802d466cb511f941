//! Which address a request comes from, for per-client limits.
//!
//! Behind a reverse proxy every request arrives from the proxy, and the
//! client's address is in `X-Forwarded-For`. That header is believed only
//! when the request comes from a proxy listed in `CHARTA_TRUSTED_PROXIES`
//! (addresses, or ranges such as `10.0.0.0/8` for proxies whose address a
//! container network or an orchestrator assigns): otherwise any client
//! could name itself anyone and dodge its limits, or make another address
//! look abusive.

use axum::http::HeaderMap;
use std::net::IpAddr;
use std::str::FromStr;

/// One address or a range of them, as `CHARTA_TRUSTED_PROXIES` lists them:
/// `10.0.0.2`, `172.31.250.0/24`, `fd00::/8`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    addr: IpAddr,
    prefix: u8,
}

impl Network {
    /// Whether `ip` lies in the range. An IPv4 address seen as IPv6
    /// (`::ffff:10.0.0.2`, as dual-stack listeners report it) counts as
    /// the IPv4 address.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl From<IpAddr> for Network {
    fn from(addr: IpAddr) -> Network {
        let addr = addr.to_canonical();
        let prefix = if addr.is_ipv4() { 32 } else { 128 };
        Network { addr, prefix }
    }
}

impl FromStr for Network {
    type Err = String;

    /// Reads an address or `address/prefix`. A range whose address has
    /// bits set beyond its prefix (`10.0.0.1/8`) is refused rather than
    /// widened silently: it is most likely a typo for something narrower.
    fn from_str(s: &str) -> Result<Network, String> {
        let s = s.trim();
        let Some((addr, prefix)) = s.split_once('/') else {
            return s
                .parse::<IpAddr>()
                .map(Network::from)
                .map_err(|_| format!("{s} is not an IP address or a range such as 10.0.0.0/8"));
        };
        let addr: IpAddr = addr
            .parse()
            .map_err(|_| format!("{s} is not an IP address or a range such as 10.0.0.0/8"))?;
        let addr = addr.to_canonical();
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix: u8 = prefix
            .parse()
            .ok()
            .filter(|p| *p <= max)
            .ok_or_else(|| format!("{s}: the prefix length must be 0 to {max}"))?;
        let net = Network { addr, prefix };
        if net != Network::exact(addr, prefix) {
            return Err(format!(
                "{s} has bits set beyond its /{prefix} prefix; write the range's first address"
            ));
        }
        Ok(net)
    }
}

impl Network {
    /// The range of `prefix` bits starting at `addr`, with the bits beyond
    /// the prefix cleared.
    fn exact(addr: IpAddr, prefix: u8) -> Network {
        let addr = match addr {
            IpAddr::V4(a) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
                IpAddr::V4((u32::from(a) & mask).into())
            }
            IpAddr::V6(a) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
                IpAddr::V6((u128::from(a) & mask).into())
            }
        };
        Network { addr, prefix }
    }
}

/// The client's address: the peer's, or, when the peer is a trusted proxy,
/// the right-most address in `X-Forwarded-For` that is not itself a trusted
/// proxy (proxies append, so entries further left are the client's claims).
pub fn client_ip(headers: &HeaderMap, peer: Option<IpAddr>, trusted: &[Network]) -> Option<IpAddr> {
    let peer = peer?;
    let is_trusted = |ip: IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(peer) {
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
            Ok(ip) if is_trusted(ip) => client = ip,
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
        let trusted = [Network::from(proxy)];
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
                &[Network::from(proxy), Network::from(ip("10.0.0.3"))]
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

    #[test]
    fn ranges_are_read_strictly_and_match_their_addresses() {
        let net = |s: &str| s.parse::<Network>();
        let n = net("172.31.250.0/24").unwrap_or_else(|e| unreachable!("{e}"));
        assert!(n.contains(ip("172.31.250.10")) && n.contains(ip("172.31.250.255")));
        assert!(!n.contains(ip("172.31.251.1")) && !n.contains(ip("fd00::1")));
        assert!(n.contains(ip("::ffff:172.31.250.7")), "IPv4 seen as IPv6");
        let v6 = net("fd00::/8").unwrap_or_else(|e| unreachable!("{e}"));
        assert!(v6.contains(ip("fd12:3456::1")) && !v6.contains(ip("fe80::1")));
        let one = net("10.0.0.2").unwrap_or_else(|e| unreachable!("{e}"));
        assert!(one.contains(ip("10.0.0.2")) && !one.contains(ip("10.0.0.3")));
        assert!(net("0.0.0.0/0").is_ok_and(|n| n.contains(ip("203.0.113.1"))));
        for bad in [
            "10.0.0.1/8",
            "10.0.0.0/33",
            "fd00::/129",
            "10.0.0.0/x",
            "proxy",
            "10.0.0/8",
            "",
        ] {
            assert!(net(bad).is_err(), "{bad} was accepted");
        }
        // Through a proxy network, the first address outside it counts.
        let trusted = [n];
        assert_eq!(
            client_ip(
                &xff("6.6.6.6, 198.51.100.7, 172.31.250.3"),
                Some(ip("172.31.250.10")),
                &trusted
            ),
            Some(ip("198.51.100.7"))
        );
    }
}
