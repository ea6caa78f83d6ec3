//! The TLS client configuration both network hooks use: certificate and host name checks always
//! on, Mozilla's roots plus an optional private CA.

use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use rustls::{ClientConfig, RootCertStore};

use crate::report::HookError;

/// A client configuration trusting the public web PKI and, if given, the CA(s) in `ca_file`.
pub(crate) fn client_config(ca_file: Option<&str>) -> Result<Arc<ClientConfig>, HookError> {
    let mut roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    if let Some(path) = ca_file {
        let ca_error = |reason: String| HookError::CaFile {
            path: path.to_owned(),
            reason,
        };
        let certs = CertificateDer::pem_file_iter(path)
            .map_err(|e| ca_error(e.to_string()))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| ca_error(e.to_string()))?;
        if certs.is_empty() {
            return Err(ca_error("no PEM certificate in the file".to_owned()));
        }
        for cert in certs {
            roots.add(cert).map_err(|e| ca_error(e.to_string()))?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| HookError::Tls {
            target: "(configuration)".to_owned(),
            reason: e.to_string(),
        })?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ca_file_without_certificates_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ca.pem");
        std::fs::write(&path, "not a certificate\n").unwrap();
        let path = path.to_str().unwrap();
        match client_config(Some(path)) {
            Err(HookError::CaFile { path: named, .. }) => assert_eq!(named, path),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            client_config(Some("/no/such/ca.pem")),
            Err(HookError::CaFile { .. })
        ));
        assert!(client_config(None).is_ok());
    }
}
