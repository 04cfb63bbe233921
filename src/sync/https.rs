//! git's `http.*` settings applied to gix's https client (reqwest over
//! rustls).
//!
//! gix 0.90 resolves the settings for a URL into one
//! `http::Options` for either of its http backends, but its reqwest
//! backend applies only redirects and extra headers itself. The rest is
//! applied here, once per client, the way git applies them to libcurl
//! (git-config(1), `http.*`):
//! - `http.sslCAInfo` (`GIT_SSL_CAINFO`): certificates trusted besides
//!   the system's roots;
//! - `http.sslVerify` (`GIT_SSL_NO_VERIFY`) and `http.sslVersion`;
//! - `http.proxy` (`https_proxy`, `all_proxy`; socks too) and the
//!   `no_proxy` variable;
//! - `gitoxide.http.connectTimeout`, for TCP and TLS;
//! - `http.lowSpeedLimit`/`http.lowSpeedTime`: reqwest measures no rate,
//!   so a read that waits `lowSpeedTime` seconds for any byte fails (the
//!   same as git for the default limit of 1 byte/s that `mem` sets);
//! - `http.version`.
//!
//! Why reqwest and rustls rather than libcurl: libcurl and the 30-odd
//! shared libraries it links (OpenSSL, Kerberos, LDAP, …) are loaded and
//! initialised at every process start, about 10 ms on a 2-core machine,
//! whether or not the process goes near the network (benches/README.md).

use std::any::Any;
use std::path::Path;
use std::time::Duration;

use gix::protocol::transport::client::blocking_io::http::{
    self, options::HttpVersion, options::SslVersion,
};
use reqwest::blocking::ClientBuilder;

/// The transport options for fetching from `url` (after `insteadOf`)
/// with `repo`'s settings, with every setting above applied to the https
/// client; `None` for a URL that is not http(s).
///
/// # Errors
/// gix's, when the settings do not parse; an I/O error naming the file
/// when `http.sslCAInfo` cannot be read or holds no PEM certificate.
pub fn transport_options(
    repo: &gix::Repository,
    url: &gix::bstr::BStr,
) -> gix::Result<Option<Box<dyn Any>>> {
    let Some(options) = repo.transport_options(url, None)? else {
        return Ok(None);
    };
    let Ok(mut options) = options.downcast::<http::Options>() else {
        return Ok(None);
    };
    let https = url.starts_with(b"https://");
    let settings = Settings::from_options(&options, https)?;
    let backend = http::reqwest::Options {
        configure_client: Some(Box::new(move |builder| Ok(settings.apply(builder)))),
        configure_request: None,
    };
    options.backend = Some(std::sync::Arc::new(std::sync::Mutex::new(backend)));
    Ok(Some(options))
}

/// The proxy a client uses.
enum ProxyChoice {
    /// None configured: reqwest's own choice (the proxy variables).
    Default,
    /// An empty `http.proxy`: no proxy at all, as with git.
    Off,
    /// `http.proxy` (or a proxy variable, as gix read it), minus the
    /// `no_proxy` hosts.
    Use(Box<reqwest::Proxy>),
}

/// What is applied to the client, read out of gix's options (and the CA
/// file) before the client is built.
struct Settings {
    roots: Vec<reqwest::Certificate>,
    verify: bool,
    tls: (Option<reqwest::tls::Version>, Option<reqwest::tls::Version>),
    proxy: ProxyChoice,
    connect_timeout: Option<Duration>,
    /// The longest wait for a read, from the low-speed pair.
    read_timeout: Option<Duration>,
    http1_only: bool,
}

impl Settings {
    /// For an `https` URL the CA file is read (and must hold a usable
    /// certificate); for plain http, or with verification off, it is not
    /// needed and not read, as with git.
    fn from_options(o: &http::Options, https: bool) -> gix::Result<Self> {
        let roots = match &o.ssl_ca_info {
            Some(path) if https && o.ssl_verify => {
                read_roots(path).map_err(gix::Error::from_error)?
            }
            _ => Vec::new(),
        };
        let tls = match o.ssl_version.map(|r| r.min_max()) {
            Some((min, max)) => (tls_version(min), tls_version(max)),
            None => (None, None),
        };
        let proxy = match o.proxy.as_deref().map(str::trim) {
            None => ProxyChoice::Default,
            Some("") => ProxyChoice::Off,
            // gix has already given a bare `host:port` its `http://`.
            Some(p) => {
                let proxy = reqwest::Proxy::all(p).map_err(|e| {
                    gix::Error::from_error(std::io::Error::new(
                        std::io::ErrorKind::InvalidInput,
                        format!("http.proxy is not a proxy address: {e}"),
                    ))
                })?;
                let no = o
                    .no_proxy
                    .as_deref()
                    .and_then(reqwest::NoProxy::from_string);
                ProxyChoice::Use(Box::new(proxy.no_proxy(no)))
            }
        };
        let read_timeout = (o.low_speed_limit_bytes_per_second > 0 && o.low_speed_time_seconds > 0)
            .then(|| Duration::from_secs(o.low_speed_time_seconds));
        Ok(Settings {
            roots,
            verify: o.ssl_verify,
            tls,
            proxy,
            connect_timeout: o.connect_timeout,
            read_timeout,
            http1_only: o.http_version == Some(HttpVersion::V1_1),
        })
    }

    fn apply(&self, mut b: ClientBuilder) -> ClientBuilder {
        if !self.roots.is_empty() {
            b = b.tls_certs_merge(self.roots.iter().cloned());
        }
        if !self.verify {
            b = b.tls_danger_accept_invalid_certs(true);
        }
        if let Some(v) = self.tls.0 {
            b = b.tls_version_min(v);
        }
        if let Some(v) = self.tls.1 {
            b = b.tls_version_max(v);
        }
        match &self.proxy {
            ProxyChoice::Default => {}
            ProxyChoice::Off => b = b.no_proxy(),
            ProxyChoice::Use(proxy) => b = b.proxy((**proxy).clone()),
        }
        if let Some(t) = self.connect_timeout {
            b = b.connect_timeout(t);
        }
        // reqwest's blocking client gives up after 30 s by default; git
        // has no total limit, only the low-speed one.
        b = b.timeout(self.read_timeout);
        if self.http1_only {
            b = b.http1_only();
        }
        b
    }
}

/// The certificates of a PEM file (`http.sslCAInfo`) that can be trust
/// anchors. Others are skipped, as OpenSSL skips them: one odd certificate
/// in a distribution's or a company's bundle must not fail every fetch.
fn read_roots(path: &Path) -> std::io::Result<Vec<reqwest::Certificate>> {
    use rustls::pki_types::{pem::PemObject, CertificateDer};
    let bad = |why: String| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("http.sslCAInfo {}: {why}", path.display()),
        )
    };
    let pem = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
    let roots: Vec<reqwest::Certificate> = CertificateDer::pem_slice_iter(&pem)
        .filter_map(Result::ok)
        .filter(|der| rustls::RootCertStore::empty().add(der.clone()).is_ok())
        .filter_map(|der| reqwest::Certificate::from_der(&der).ok())
        .collect();
    if roots.is_empty() {
        return Err(bad("no usable PEM certificate in it".into()));
    }
    Ok(roots)
}

/// rustls speaks TLS 1.2 and 1.3 only: an older bound is no bound.
fn tls_version(v: SslVersion) -> Option<reqwest::tls::Version> {
    match v {
        SslVersion::TlsV1_2 => Some(reqwest::tls::Version::TLS_1_2),
        SslVersion::TlsV1_3 => Some(reqwest::tls::Version::TLS_1_3),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_settings_become_client_settings() {
        let dir = tempfile::tempdir().unwrap();
        let options = http::Options {
            low_speed_limit_bytes_per_second: 1,
            low_speed_time_seconds: 60,
            proxy: Some(String::new()),
            connect_timeout: Some(Duration::from_secs(30)),
            ssl_version: Some(http::options::SslVersionRangeInclusive {
                min: SslVersion::TlsV1_3,
                max: SslVersion::TlsV1_2,
            }),
            http_version: Some(HttpVersion::V1_1),
            ..Default::default()
        };
        let s = Settings::from_options(&options, true).unwrap();
        assert_eq!(s.read_timeout, Some(Duration::from_secs(60)));
        assert_eq!(s.connect_timeout, Some(Duration::from_secs(30)));
        assert_eq!(
            s.tls,
            (
                Some(reqwest::tls::Version::TLS_1_2),
                Some(reqwest::tls::Version::TLS_1_3)
            )
        );
        assert!(s.http1_only && s.verify && s.roots.is_empty());
        assert!(matches!(s.proxy, ProxyChoice::Off));
        // No low-speed limit, no read limit (reqwest's 30 s default would
        // cut a long clone).
        let none = Settings::from_options(&http::Options::default(), true).unwrap();
        assert_eq!(none.read_timeout, None);

        // A CA file that is missing or holds no certificate is an error
        // naming the file, not an empty trust list.
        for (name, text) in [("missing.pem", None), ("empty.pem", Some("no pem here\n"))] {
            let path = dir.path().join(name);
            if let Some(text) = text {
                std::fs::write(&path, text).unwrap();
            }
            let options = http::Options {
                ssl_ca_info: Some(path.clone()),
                ..Default::default()
            };
            let err = Settings::from_options(&options, true)
                .err()
                .unwrap()
                .to_string();
            // Not read for plain http.
            assert!(Settings::from_options(&options, false).is_ok());
            assert!(err.contains(name), "{err}");
        }
    }

    /// A throwaway self-signed CA made for this test with `openssl req
    /// -x509 -newkey ed25519` (no key kept).
    const TEST_CA: &str = "-----BEGIN CERTIFICATE-----\nMIIBTDCB/6ADAgECAhQGXghtvan6VXNe4edzOHqp57UAyDAFBgMrZXAwGzEZMBcG\nA1UEAwwQbWVtIHVuaXQgdGVzdCBDQTAgFw0yNjEyMDExNTM4MTBaGA8yMTI2MTEw\nNzE1MzgxMFowGzEZMBcGA1UEAwwQbWVtIHVuaXQgdGVzdCBDQTAqMAUGAytlcAMh\nAN3G8ocoT8DKfMYAL5bz1QuwdHQJfewvj1ZHG8VBFsE7o1MwUTAdBgNVHQ4EFgQU\nv11PzL3nvsSoF3eSPA7wOfmO3/owHwYDVR0jBBgwFoAUv11PzL3nvsSoF3eSPA7w\nOfmO3/owDwYDVR0TAQH/BAUwAwEB/zAFBgMrZXADQQDn55W8cOSOd7MMOd73Kyig\nWISreRaSt2HfTVaTtqyq9rldKu0Ql3IQ6xlbJRuUDKy+U8Mx6BPgTmReKEmPYsAM\n-----END CERTIFICATE-----\n";

    #[test]
    fn a_ca_file_keeps_the_certificates_that_can_be_anchors() {
        let dir = tempfile::tempdir().unwrap();
        // Valid PEM armour around bytes that are no certificate.
        let odd = "-----BEGIN CERTIFICATE-----\nAAECAwQF\n-----END CERTIFICATE-----\n";
        let mixed = dir.path().join("mixed.pem");
        std::fs::write(&mixed, format!("{odd}{TEST_CA}")).unwrap();
        assert_eq!(read_roots(&mixed).unwrap().len(), 1);
        let only_odd = dir.path().join("odd.pem");
        std::fs::write(&only_odd, odd).unwrap();
        let err = read_roots(&only_odd).unwrap_err().to_string();
        assert!(
            err.contains("odd.pem") && err.contains("no usable"),
            "{err}"
        );
    }

    #[test]
    fn a_proxy_reqwest_cannot_use_is_an_error_not_a_direct_connection() {
        let options = http::Options {
            proxy: Some("http://[::1".into()),
            ..Default::default()
        };
        let err = Settings::from_options(&options, true)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("http.proxy"), "{err}");
        let socks = http::Options {
            proxy: Some("socks5h://127.0.0.1:1080".into()),
            ..Default::default()
        };
        let s = Settings::from_options(&socks, true).unwrap();
        assert!(matches!(s.proxy, ProxyChoice::Use(_)));
    }
}
