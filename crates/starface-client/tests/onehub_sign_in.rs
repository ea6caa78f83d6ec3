//! OneHub with the account's own sign-in ([`SignInBearer`]): the token the PBX's Keycloak issued
//! to REST is the one OneHub gets, a token OneHub refuses is renewed once (not handed out again
//! until it expires), and the classic login has no token to give.

use std::sync::Arc;

use keychain::Secret;
use simulators::onehub::{office, OneHubSettings, OneHubSimulator};
use simulators::starface::{Organisation, SimSettings, StarfaceSimulator};
use starface_client::onehub::{
    BearerError, ChannelSettings, OneHubClient, OneHubError, OneHubTarget, SignInBearer,
};
use starface_client::{
    AuthMode, CertificatePin, Credentials, OAuthSettings, PbxEndpoint, PbxSignIn, Timing, TlsTrust,
};

struct World {
    pbx: Arc<StarfaceSimulator>,
    hub: OneHubSimulator,
    pin: CertificatePin,
}

/// A STARFACE 10 (plain HTTP is enough for its Keycloak here) and a OneHub that takes its
/// tokens, as the office wires them.
async fn world() -> World {
    let pbx = Arc::new(
        StarfaceSimulator::start_with(Organisation::demo(), SimSettings::default())
            .await
            .unwrap(),
    );
    let generated =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()]).unwrap();
    let hub = OneHubSimulator::start(
        office(3),
        OneHubSettings::default(),
        &generated.cert.pem(),
        &generated.signing_key.serialize_pem(),
    )
    .await
    .unwrap();
    let issuer = pbx.clone();
    hub.accept_tokens_from(move |token| issuer.oauth_account_id(token).map(|id| id.to_string()));
    World {
        pbx,
        hub,
        pin: CertificatePin::of_certificate(generated.cert.der()),
    }
}

impl World {
    fn sign_in(&self, mode: AuthMode) -> PbxSignIn {
        let endpoint = PbxEndpoint::new(self.pbx.base_url().parse().unwrap()).allowing_plain_http();
        let oauth = (mode != AuthMode::Classic)
            .then(|| OAuthSettings::new(Secret::new(self.pbx.oauth_client_secret())));
        PbxSignIn::new(
            endpoint,
            Credentials::new("0001", Secret::new("demo")),
            mode,
            oauth,
            Timing::real(),
        )
        .unwrap()
    }

    async fn client(&self, sign_in: PbxSignIn) -> OneHubClient {
        let target = OneHubTarget::new("127.0.0.1", self.hub.port(), TlsTrust::Pin(self.pin));
        OneHubClient::connect(
            &target,
            ChannelSettings::default(),
            Arc::new(SignInBearer::new(sign_in)),
        )
        .await
        .unwrap()
    }
}

#[tokio::test]
async fn the_pbx_token_works_and_a_refused_one_is_renewed_once() {
    let world = world().await;
    let client = world.client(world.sign_in(AuthMode::OAuth)).await;
    let account = world
        .pbx
        .users()
        .into_iter()
        .find(|u| u.login == "0001")
        .unwrap()
        .account_id
        .to_string();
    let me = client.me().await.unwrap();
    assert_eq!(me.user_id, world.hub.user(&account).user_id);
    assert_eq!(world.pbx.oauth_sessions_started("0001"), 1);

    // The admin ends the session: the token still looks valid by its expiry, but OneHub
    // refuses it. The next call must not send it again.
    world.pbx.revoke_oauth_sessions("0001");
    assert!(matches!(
        client.me().await,
        Err(OneHubError::Unauthenticated { .. })
    ));
    let again = client.me().await.unwrap();
    assert_eq!(again, me);
    assert_eq!(
        world.pbx.oauth_sessions_started("0001"),
        2,
        "one new sign-in for the refused token"
    );
    assert!(client.me().await.is_ok());
    assert_eq!(world.pbx.oauth_sessions_started("0001"), 2);
}

#[tokio::test]
async fn the_classic_login_has_no_token_for_onehub() {
    let world = world().await;
    let client = world.client(world.sign_in(AuthMode::Classic)).await;
    assert!(matches!(
        client.me().await,
        Err(OneHubError::Bearer(BearerError::SignInNeeded(_)))
    ));
    assert!(
        world.hub.calls().is_empty(),
        "nothing was sent without a token"
    );
}
