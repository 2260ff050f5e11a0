//! Gateway replies for the readers' tests, written with the thrift crate's
//! own writer: the bytes the generated server side would send.

use hbase_thrift::hbase::{IOError, IllegalArgument};
use thrift::protocol::{
    TBinaryOutputProtocol, TFieldIdentifier, TMessageIdentifier, TMessageType, TOutputProtocol,
    TStructIdentifier, TType,
};

/// A message to `method` of kind `kind` with sequence number `sequence`.
pub(crate) fn reply(
    method: &str,
    kind: TMessageType,
    sequence: i32,
    body: impl FnOnce(&mut dyn TOutputProtocol),
) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut protocol = TBinaryOutputProtocol::new(&mut out, true);
        protocol
            .write_message_begin(&TMessageIdentifier::new(method, kind, sequence))
            .unwrap();
        body(&mut protocol);
        protocol.write_message_end().unwrap();
    }
    out
}

/// A result struct holding the fields `fields` writes.
pub(crate) fn result(
    fields: impl FnOnce(&mut dyn TOutputProtocol),
) -> impl FnOnce(&mut dyn TOutputProtocol) {
    move |protocol| {
        protocol
            .write_struct_begin(&TStructIdentifier::new("result"))
            .unwrap();
        fields(protocol);
        protocol.write_field_stop().unwrap();
        protocol.write_struct_end().unwrap();
    }
}

/// The result's `io` field: an `IOError`.
pub(crate) fn io_field(protocol: &mut dyn TOutputProtocol, message: &str, can_retry: Option<bool>) {
    let error = IOError {
        message: Some(message.into()),
        can_retry,
    };
    struct_field(protocol, "io", 1, |p| error.write_to_out_protocol(p));
}

/// The result's `ia` field: an `IllegalArgument`.
pub(crate) fn ia_field(protocol: &mut dyn TOutputProtocol, message: &str) {
    let error = IllegalArgument {
        message: Some(message.into()),
    };
    struct_field(protocol, "ia", 2, |p| error.write_to_out_protocol(p));
}

/// A struct field `name` with id `id`, its value written by `write`.
fn struct_field(
    protocol: &mut dyn TOutputProtocol,
    name: &str,
    id: i16,
    write: impl FnOnce(&mut dyn TOutputProtocol) -> thrift::Result<()>,
) {
    protocol
        .write_field_begin(&TFieldIdentifier::new(name, TType::Struct, id))
        .unwrap();
    write(protocol).unwrap();
    protocol.write_field_end().unwrap();
}
