//! Building a client leaves the process's TLS set-up alone: it installs no process-wide rustls
//! provider, so the application's own choice still succeeds afterwards. This file holds one test
//! because the provider is process-wide state.

use sendmux_management::Client;

#[test]
fn building_a_client_installs_no_process_wide_provider() {
    let client = Client::new("smx_root_tls_9c1f7a").expect("a client with its own TLS set-up");
    assert!(
        rustls::crypto::CryptoProvider::get_default().is_none(),
        "building a client chose the process's provider"
    );
    rustls::crypto::ring::default_provider()
        .install_default()
        .expect("the application still chooses its provider");
    drop(client);
    Client::new("smx_root_tls_9c1f7a").expect("clients build after the application's choice too");
}
