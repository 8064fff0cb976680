//! TLS with rustls (feature `tls`): the server's certificate (`--tls-cert-file`,
//! `--tls-private-key-file`) and, with a client CA (`--client-ca-file`), client certificates as
//! identities: the subject's common name is the user, its organizations the groups.
//!
//! As kube-apiserver does, the handshake asks for a client certificate without requiring one,
//! and checks its chain after the handshake: a certificate the CA does not vouch for makes
//! every request on the connection 401 (a TLS alert would tell a client nothing it can show),
//! while the handshake itself still proves the client holds the certificate's key.

use std::path::Path;
use std::sync::Arc;

use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::server::WebPkiClientVerifier;
use rustls::{
    DigitallySignedStruct, DistinguishedName, RootCertStore, ServerConfig, SignatureScheme,
};

use crate::auth::filter::PeerIdentity;

/// A server's TLS settings.
#[derive(Clone)]
pub struct TlsConfig {
    pub(crate) acceptor: tokio_rustls::TlsAcceptor,
    /// The client CA's verifier, run after the handshake.
    clients: Option<Arc<dyn ClientCertVerifier>>,
}

impl std::fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsConfig")
            .field("client_certificates", &self.clients.is_some())
            .finish()
    }
}

impl TlsConfig {
    /// Reads the certificate chain, its private key and optionally the client CA bundle from
    /// PEM files.
    pub fn from_pem_files(
        cert: &Path,
        key: &Path,
        client_ca: Option<&Path>,
    ) -> Result<TlsConfig, String> {
        let read = |p: &Path| std::fs::read(p).map_err(|e| format!("reading {}: {e}", p.display()));
        let ca = client_ca.map(read).transpose()?;
        TlsConfig::from_pem(&read(cert)?, &read(key)?, ca.as_deref())
    }

    /// Builds the settings from PEM: the certificate chain (leaf first), its private key and
    /// optionally the client CA bundle.
    pub fn from_pem(
        cert: &[u8],
        key: &[u8],
        client_ca: Option<&[u8]>,
    ) -> Result<TlsConfig, String> {
        let chain = CertificateDer::pem_slice_iter(cert)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("the server certificate is not PEM: {e:?}"))?;
        if chain.is_empty() {
            return Err("the server certificate file holds no certificate".into());
        }
        let key = PrivateKeyDer::from_pem_slice(key)
            .map_err(|e| format!("the private key is not a PEM key: {e:?}"))?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let clients = client_ca
            .map(|pem| client_verifier(pem, provider.clone()))
            .transpose()?;
        let builder = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?;
        let builder = match &clients {
            Some(verifier) => {
                builder.with_client_cert_verifier(Arc::new(Deferred(verifier.clone())))
            }
            None => builder.with_no_client_auth(),
        };
        let mut config = builder
            .with_single_cert(chain, key)
            .map_err(|e| format!("the certificate and key do not make a TLS identity: {e}"))?;
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(TlsConfig {
            acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(config)),
            clients,
        })
    }

    /// Whether client certificates identify users.
    pub fn verifies_clients(&self) -> bool {
        self.clients.is_some()
    }

    /// Who the client certificate of a finished handshake says the client is, if it sent one.
    pub(crate) fn identify(&self, connection: &rustls::ServerConnection) -> Option<PeerIdentity> {
        let verifier = self.clients.as_ref()?;
        let (leaf, intermediates) = connection.peer_certificates()?.split_first()?;
        if let Err(e) = verifier.verify_client_cert(leaf, intermediates, UnixTime::now()) {
            tracing::debug!(error = %e, "client certificate refused");
            return Some(PeerIdentity::Invalid);
        }
        // A certificate without a common name names no user: as in kube-apiserver, the request
        // goes on to the other authenticators.
        match crate::auth::subject(leaf.as_ref()) {
            Ok(subject) => subject.user().map(PeerIdentity::Valid),
            Err(_) => Some(PeerIdentity::Invalid),
        }
    }
}

fn client_verifier(
    pem: &[u8],
    provider: Arc<CryptoProvider>,
) -> Result<Arc<dyn ClientCertVerifier>, String> {
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(pem) {
        let cert = cert.map_err(|e| format!("the client CA file is not PEM: {e:?}"))?;
        roots
            .add(cert)
            .map_err(|e| format!("the client CA file holds a bad certificate: {e}"))?;
    }
    if roots.is_empty() {
        return Err("the client CA file holds no certificate".into());
    }
    WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
        .build()
        .map_err(|e| format!("the client CA: {e}"))
}

/// Asks for a client certificate, checks the handshake's signature with it (proof the client
/// holds its key) and leaves the chain to [`TlsConfig::identify`].
#[derive(Debug)]
struct Deferred(Arc<dyn ClientCertVerifier>);

impl ClientCertVerifier for Deferred {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        false
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.0.root_hint_subjects()
    }

    fn verify_client_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}
