//! Decoding one full `getPresencesByUserId` answer (650 users, Graph's maximum per request), as
//! every presence poll does once per 650 watched colleagues.
//! Run: `cargo bench -p graph-client --bench presence_json`.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use graph_client::graph::{parse_presence_batch, MAX_IDS_PER_PRESENCE_REQUEST};
use serde_json::json;

const PAIRS: [(&str, &str); 6] = [
    ("Available", "Available"),
    ("Busy", "InAMeeting"),
    ("Busy", "InACall"),
    ("DoNotDisturb", "Presenting"),
    ("Away", "Away"),
    ("Offline", "OffWork"),
];

/// A realistic answer: Graph's field order, out-of-office settings on every entry, a status
/// message on every fifth, and fields this client ignores (`workLocation`, `@odata.type`).
fn response_body(entries: usize) -> Vec<u8> {
    let value: Vec<_> = (0..entries)
        .map(|i| {
            let (availability, activity) = PAIRS[i % PAIRS.len()];
            let status = (i % 5 == 0).then(|| {
                json!({
                    "message": {"content": "Back at 3 pm, call my mobile if urgent", "contentType": "text"},
                    "publishedDateTime": "2026-11-21T09:14:00Z"
                })
            });
            json!({
                "@odata.type": "#microsoft.graph.presence",
                "id": format!("{i:08x}-7f1c-4e0a-9b6d-2c5e8a1f3b70"),
                "availability": availability,
                "activity": activity,
                "statusMessage": status,
                "outOfOfficeSettings": {"message": null, "isOutOfOffice": i % 50 == 0},
                "workLocation": {"workLocationType": "office", "source": "automatic"},
                "sequenceNumber": format!("C{i:015}")
            })
        })
        .collect();
    serde_json::to_vec(&json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Collection(microsoft.graph.presence)",
        "value": value
    }))
    .expect("static JSON serialises")
}

fn presence_json(c: &mut Criterion) {
    let body = response_body(MAX_IDS_PER_PRESENCE_REQUEST);
    let mut group = c.benchmark_group("graph");
    group.throughput(Throughput::Bytes(body.len() as u64));
    group.bench_function("parse_presence_batch_650", |b| {
        b.iter(|| {
            let records = parse_presence_batch(black_box(&body)).expect("valid body");
            assert_eq!(records.len(), MAX_IDS_PER_PRESENCE_REQUEST);
            black_box(records)
        })
    });
    group.finish();
}

criterion_group!(benches, presence_json);
criterion_main!(benches);
