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
//! - `http.proxy` (`https_proxy`, `all_proxy`) and `http.noProxy`
//!   (`no_proxy`);
//! - `gitoxide.http.connectTimeout`, for TCP and TLS;
//! - `http.lowSpeedLimit`/`http.lowSpeedTime`: reqwest measures no rate,
//!   so a read that waits `lowSpeedTime` seconds for any byte fails (the
//!   same as git for the default limit of 1 byte/s that `mem` sets);
//! - `http.userAgent` and `http.version`.
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
    let settings = Settings::from_options(&options)?;
    let backend = http::reqwest::Options {
        configure_client: Some(Box::new(move |builder| Ok(settings.apply(builder)))),
        configure_request: None,
    };
    options.backend = Some(std::sync::Arc::new(std::sync::Mutex::new(backend)));
    Ok(Some(options))
}

/// What is applied to the client, read out of gix's options (and the CA
/// file) before the client is built.
struct Settings {
    roots: Vec<reqwest::Certificate>,
    verify: bool,
    tls: (Option<reqwest::tls::Version>, Option<reqwest::tls::Version>),
    /// `Some("")` switches every proxy off, as git's empty `http.proxy`.
    proxy: Option<String>,
    no_proxy: Option<String>,
    connect_timeout: Option<Duration>,
    /// The longest wait for a read, from the low-speed pair.
    read_timeout: Option<Duration>,
    user_agent: Option<String>,
    http1_only: bool,
}

impl Settings {
    fn from_options(o: &http::Options) -> gix::Result<Self> {
        let roots = match &o.ssl_ca_info {
            Some(path) => read_roots(path).map_err(gix::Error::from_error)?,
            None => Vec::new(),
        };
        let tls = match o.ssl_version.map(|r| r.min_max()) {
            Some((min, max)) => (tls_version(min), tls_version(max)),
            None => (None, None),
        };
        let read_timeout = (o.low_speed_limit_bytes_per_second > 0 && o.low_speed_time_seconds > 0)
            .then(|| Duration::from_secs(o.low_speed_time_seconds));
        Ok(Settings {
            roots,
            verify: o.ssl_verify,
            tls,
            proxy: o.proxy.clone(),
            no_proxy: o.no_proxy.clone(),
            connect_timeout: o.connect_timeout,
            read_timeout,
            user_agent: o.user_agent.clone(),
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
        match self.proxy.as_deref().map(str::trim) {
            Some("") => b = b.no_proxy(),
            Some(p) => {
                let url = if p.contains("://") {
                    p.to_owned()
                } else {
                    format!("http://{p}")
                };
                // An address reqwest cannot read leaves its own choice
                // (the proxy variables), as curl would fail on it later.
                if let Ok(proxy) = reqwest::Proxy::all(url) {
                    let no = self
                        .no_proxy
                        .as_deref()
                        .and_then(reqwest::NoProxy::from_string);
                    b = b.proxy(proxy.no_proxy(no));
                }
            }
            None => {}
        }
        if let Some(t) = self.connect_timeout {
            b = b.connect_timeout(t);
        }
        // reqwest's blocking client gives up after 30 s by default; git
        // has no total limit, only the low-speed one.
        b = b.timeout(self.read_timeout);
        if let Some(agent) = &self.user_agent {
            b = b.user_agent(agent);
        }
        if self.http1_only {
            b = b.http1_only();
        }
        b
    }
}

/// The certificates of a PEM file (`http.sslCAInfo`).
fn read_roots(path: &Path) -> std::io::Result<Vec<reqwest::Certificate>> {
    let bad = |why: String| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("http.sslCAInfo {}: {why}", path.display()),
        )
    };
    let pem = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
    let roots = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| bad(e.to_string()))?;
    if roots.is_empty() {
        return Err(bad("no PEM certificate in it".into()));
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
        let s = Settings::from_options(&options).unwrap();
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
        assert_eq!(s.proxy.as_deref(), Some(""));
        // No low-speed limit, no read limit (reqwest's 30 s default would
        // cut a long clone).
        let none = Settings::from_options(&http::Options::default()).unwrap();
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
            let err = Settings::from_options(&options).err().unwrap().to_string();
            assert!(err.contains(name), "{err}");
        }
    }
}
