//! The generated code against wire facts computed by hand, independent of the code generator.

use onehub_proto::presence::{
    presence_event_response, presence_service_server, subscribe_presence_states_request,
    telephony_state_changed_event, PresenceEventResponse, SubscribePresenceStatesRequest,
    TelephonyState, TelephonyStateChangedEvent, UserIdList, UserPresenceState,
};
use onehub_proto::prost::Message;
use onehub_proto::types::UserId;
use onehub_proto::{chat, health, me, system, useridlookup};

fn user(id: &str) -> UserId {
    UserId { id: id.to_owned() }
}

#[test]
fn subscribe_request_encodes_to_the_reference_vector() {
    let request = SubscribePresenceStatesRequest {
        presence_ids: Some(subscribe_presence_states_request::PresenceIds::UserIdList(
            UserIdList {
                user_ids: vec![user("u1")],
            },
        )),
        return_presence_states: true,
    };
    // field 1 LEN 6 -> field 1 LEN 4 -> field 1 LEN 2 "u1"; field 3 varint 1.
    assert_eq!(
        request.encode_to_vec(),
        [0x0a, 0x06, 0x0a, 0x04, 0x0a, 0x02, 0x75, 0x31, 0x18, 0x01]
    );
}

#[test]
fn events_start_at_field_two() {
    let event = PresenceEventResponse {
        presence_event: Some(
            presence_event_response::PresenceEvent::TelephonyStateChanged(
                TelephonyStateChangedEvent {
                    target: Some(telephony_state_changed_event::Target::UserId(user("u1"))),
                    telephony_state: TelephonyState::Active as i32,
                },
            ),
        ),
    };
    // field 3 LEN 8 -> (field 1 LEN 4 -> field 1 LEN 2 "u1"), field 3 varint 4.
    assert_eq!(
        event.encode_to_vec(),
        [0x1a, 0x08, 0x0a, 0x04, 0x0a, 0x02, 0x75, 0x31, 0x18, 0x04]
    );
}

#[test]
fn an_unknown_event_variant_decodes_as_no_event() {
    // Field 9 (LEN 2, "zz"): a variant a newer PBX might send.
    let bytes = [0x4a, 0x02, 0x7a, 0x7a];
    let event = PresenceEventResponse::decode(&bytes[..]).unwrap();
    assert_eq!(event.presence_event, None);
}

#[test]
fn an_unknown_enum_value_is_kept_as_its_number() {
    // user_id "u1", telephony_state 9 (unknown), dnd true.
    let bytes = [0x0a, 0x04, 0x0a, 0x02, 0x75, 0x31, 0x10, 0x09, 0x28, 0x01];
    let state = UserPresenceState::decode(&bytes[..]).unwrap();
    assert_eq!(state.telephony_state, 9);
    assert!(TelephonyState::try_from(state.telephony_state).is_err());
    assert!(state.dnd_enabled);
}

#[test]
fn service_names_are_the_vendors() {
    assert_eq!(
        presence_service_server::SERVICE_NAME,
        "gamma.onehub.api.v1.presence.PresenceService"
    );
    assert_eq!(
        useridlookup::user_id_lookup_service_server::SERVICE_NAME,
        "gamma.onehub.api.v1.useridlookup.UserIdLookupService"
    );
    assert_eq!(
        me::me_service_server::SERVICE_NAME,
        "gamma.onehub.api.v1.me.MeService"
    );
    assert_eq!(
        system::system_service_server::SERVICE_NAME,
        "gamma.onehub.api.v1.system.SystemService"
    );
    assert_eq!(
        health::health_service_server::SERVICE_NAME,
        "gamma.onehub.api.v1.health.HealthService"
    );
    assert_eq!(
        chat::chat_service_server::SERVICE_NAME,
        "gamma.onehub.api.v1.chat.ChatService"
    );
}
