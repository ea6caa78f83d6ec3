//! What travels on the presence event stream, below the state (which queues events) and the
//! services: one event as sent, known or raw bytes from a newer PBX, and the placeholder the
//! generated server trait wants for the stream [`super::events`] serves itself.

use futures::stream::BoxStream;
use onehub_proto::presence::PresenceEventResponse;
use onehub_proto::prost::bytes::{Buf, BufMut};
use onehub_proto::prost::encoding::{skip_field, DecodeContext, WireType};
use onehub_proto::prost::{DecodeError, Message};
use tonic::Status;

/// One message on the event stream: a known event, or raw bytes (an unknown variant).
#[derive(Debug, Clone)]
pub enum WireEvent {
    Known(PresenceEventResponse),
    Raw(Vec<u8>),
}

impl Message for WireEvent {
    fn encode_raw(&self, buf: &mut impl BufMut) {
        match self {
            WireEvent::Known(event) => event.encode_raw(buf),
            WireEvent::Raw(bytes) => buf.put_slice(bytes),
        }
    }

    /// Never called: the simulator only sends these.
    fn merge_field(
        &mut self,
        tag: u32,
        wire_type: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        skip_field(wire_type, tag, buf, ctx)
    }

    fn encoded_len(&self) -> usize {
        match self {
            WireEvent::Known(event) => event.encoded_len(),
            WireEvent::Raw(bytes) => bytes.len(),
        }
    }

    fn clear(&mut self) {
        *self = WireEvent::Raw(Vec::new());
    }
}

/// The generated trait wants this method too; [`PresenceRoute`] answers the path before the
/// generated server sees it, so this is never reached.
pub(crate) type UnusedEventStream = BoxStream<'static, Result<PresenceEventResponse, Status>>;

pub(crate) fn unreachable_events() -> Status {
    Status::internal("SubscribePresenceEvents is served by PresenceRoute")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_events_go_out_byte_for_byte() {
        let raw = WireEvent::Raw(vec![0x4a, 0x02, 0x7a, 0x7a]);
        assert_eq!(raw.encoded_len(), 4);
        assert_eq!(raw.encode_to_vec(), [0x4a, 0x02, 0x7a, 0x7a]);
        let decoded = PresenceEventResponse::decode(&raw.encode_to_vec()[..]).unwrap();
        assert_eq!(decoded.presence_event, None, "a variant no .proto knows");
        let known = WireEvent::Known(PresenceEventResponse::default());
        assert!(known.encode_to_vec().is_empty());
    }
}
