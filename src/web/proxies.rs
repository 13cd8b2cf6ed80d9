//! Whose address a request comes from, for rate limits. Without configuration the peer of
//! the connection is the client, whatever the request's headers say. Behind a reverse proxy
//! every request would then share the proxy's address, so `FONDILAB_TRUSTED_PROXIES` lists
//! the proxies (CIDR networks) whose `X-Forwarded-For` is believed: for a request from one of
//! them, the client is the right-most forwarded address that is not itself a trusted proxy.
//! The entries left of that one are whatever the client chose to send, and are ignored.

use std::fmt;
use std::net::{IpAddr, SocketAddr};

use ipnet::IpNet;

/// The reverse proxies whose `X-Forwarded-For` header is believed; empty by default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// A comma-separated list of CIDR networks (`127.0.0.1/32,10.0.0.0/8,::1/128`); a bare
    /// address stands for itself alone. Empty entries are skipped, so an empty text is no proxy.
    /// The error names the entry that is neither.
    pub fn parse(list: &str) -> Result<TrustedProxies, String> {
        let mut nets = Vec::new();
        for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let net = match entry.parse::<IpNet>() {
                Ok(net) => net.trunc(),
                Err(_) => match entry.parse::<IpAddr>() {
                    Ok(ip) => IpNet::from(ip.to_canonical()),
                    Err(_) => return Err(format!("\"{entry}\" is not an IP address or a CIDR network")),
                },
            };
            if !nets.contains(&net) {
                nets.push(net);
            }
        }
        Ok(TrustedProxies(nets))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `ip` is one of the trusted proxies (an IPv4 address seen as `::ffff:a.b.c.d`
    /// counts as the IPv4 address).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client of a request that came from `peer` carrying these `X-Forwarded-For` values
    /// (in the order the header lines came). From a peer that is not a trusted proxy: the peer.
    /// Otherwise the forwarded addresses are walked from the right, each one written by the
    /// hop to its right, and the first that is not a trusted proxy is the client; if every one
    /// is trusted, the left-most. An entry that is not an address (`unknown`, garbage) ends the
    /// walk at the last address a trusted hop vouched for.
    pub fn client<'a>(&self, peer: IpAddr, forwarded: impl IntoIterator<Item = &'a str>) -> IpAddr {
        let peer = peer.to_canonical();
        if !self.contains(peer) {
            return peer;
        }
        let entries: Vec<&str> = forwarded.into_iter().flat_map(|v| v.split(',')).collect();
        let mut client = peer;
        for entry in entries.iter().rev() {
            let Some(ip) = forwarded_address(entry) else { break };
            client = ip;
            if !self.contains(ip) {
                break;
            }
        }
        client
    }

    /// What the service says at start about whom it believes.
    pub fn describe(&self) -> String {
        if self.is_empty() {
            "nessun proxy fidato: l'indirizzo del client è quello della connessione".to_string()
        } else {
            format!(
                "proxy fidati: {self}; per le loro richieste il client è l'ultimo indirizzo di X-Forwarded-For \
                 che non è un proxy fidato"
            )
        }
    }
}

impl fmt::Display for TrustedProxies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, net) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{net}")?;
        }
        Ok(())
    }
}

/// One `X-Forwarded-For` entry: an address, possibly with a port (`192.0.2.1:4711`,
/// `[2001:db8::1]:4711`) or in brackets.
fn forwarded_address(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    let ip = entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| entry.strip_prefix('[').and_then(|e| e.strip_suffix(']')).and_then(|e| e.parse().ok()))?;
    Some(ip.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn parses_networks_and_bare_addresses() {
        let t = TrustedProxies::parse(" 127.0.0.1/32, 10.0.0.0/8,::1/128,192.0.2.7,").unwrap();
        assert_eq!(t.to_string(), "127.0.0.1/32, 10.0.0.0/8, ::1/128, 192.0.2.7/32");
        assert!(t.contains(ip("127.0.0.1")) && t.contains(ip("10.200.3.4")) && t.contains(ip("::1")));
        assert!(t.contains(ip("::ffff:10.1.2.3")), "an IPv4 address seen through IPv6 is the IPv4 address");
        assert!(!t.contains(ip("127.0.0.2")) && !t.contains(ip("11.0.0.1")) && !t.contains(ip("::2")));
        // Host bits are dropped: 10.1.2.3/8 is 10.0.0.0/8.
        assert_eq!(TrustedProxies::parse("10.1.2.3/8").unwrap().to_string(), "10.0.0.0/8");
        assert!(TrustedProxies::parse("").unwrap().is_empty());
        assert!(TrustedProxies::parse(" , ").unwrap().is_empty());
    }

    #[test]
    fn a_bad_entry_is_named() {
        for (list, bad) in [
            ("127.0.0.1/33", "127.0.0.1/33"),
            ("10.0.0.0/8, localhost", "localhost"),
            ("::1/129", "::1/129"),
            ("10.0.0/8", "10.0.0/8"),
        ] {
            let e = TrustedProxies::parse(list).unwrap_err();
            assert!(e.contains(&format!("\"{bad}\"")), "{e}");
        }
    }

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client() {
        let none = TrustedProxies::default();
        assert_eq!(none.client(ip("127.0.0.1"), ["203.0.113.7"]), ip("127.0.0.1"));
        assert_eq!(none.client(ip("::ffff:127.0.0.1"), ["203.0.113.7"]), ip("127.0.0.1"));
        assert!(none.describe().starts_with("nessun proxy fidato"));
    }

    #[test]
    fn the_walk_stops_at_the_first_address_that_is_not_a_proxy() {
        let t = TrustedProxies::parse("127.0.0.1/32,10.0.0.0/8").unwrap();
        let local = ip("127.0.0.1");
        // The proxy added the right-most entry; the one before is the client's claim.
        assert_eq!(t.client(local, ["6.6.6.6, 203.0.113.7"]), ip("203.0.113.7"));
        // Proxies in a chain are skipped, wherever their entries sit among header lines.
        assert_eq!(t.client(local, ["6.6.6.6, 198.51.100.9, 10.0.0.5"]), ip("198.51.100.9"));
        assert_eq!(t.client(local, ["6.6.6.6, 198.51.100.9", "10.0.0.5"]), ip("198.51.100.9"));
        // A peer that is not trusted is the client, whatever it forwards.
        assert_eq!(t.client(ip("198.51.100.2"), ["203.0.113.7"]), ip("198.51.100.2"));
        // No header: the proxy itself (a health check on the proxy's machine).
        assert_eq!(t.client(local, []), local);
        // Every entry a trusted proxy: the left-most.
        assert_eq!(t.client(local, ["10.0.0.9, 10.0.0.5"]), ip("10.0.0.9"));
        // Garbage ends the walk at the last address a trusted hop vouched for.
        assert_eq!(t.client(local, ["203.0.113.7, unknown"]), local);
        assert_eq!(t.client(local, ["203.0.113.7, nonsense, 10.0.0.5"]), ip("10.0.0.5"));
        // Ports and brackets, and IPv6 clients.
        assert_eq!(t.client(local, ["192.0.2.1:4711"]), ip("192.0.2.1"));
        assert_eq!(t.client(local, ["[2001:db8::1]:4711"]), ip("2001:db8::1"));
        assert_eq!(t.client(local, ["[2001:db8::1]"]), ip("2001:db8::1"));
        assert_eq!(t.client(local, [" 2001:db8::2 "]), ip("2001:db8::2"));
        assert!(t.describe().contains("127.0.0.1/32, 10.0.0.0/8"));
    }
}
