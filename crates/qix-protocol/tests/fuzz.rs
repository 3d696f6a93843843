//! Fuzzing the wire parsers with proptest (the stable toolchain has no cargo-fuzz): frames and session
//! URL paths, mutated from the seed corpus in `testdata/fuzz/` and made up from scratch. Whatever a
//! client sends, parsing answers a value or an error, never a panic; and a parsed request binds to its
//! method's params or fails with an engine error.

use proptest::prelude::*;
use qix_protocol::{Request, SessionPath, Spec};
use std::path::PathBuf;

/// The seed files of one corpus folder.
fn seeds(corpus: &str) -> Vec<Vec<u8>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/fuzz")
        .join(corpus);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("seed corpus {}: {e}", dir.display()))
        .map(|e| e.expect("a seed file").path())
        .collect();
    files.sort();
    let seeds: Vec<Vec<u8>> = files
        .iter()
        .map(|f| std::fs::read(f).expect("a seed"))
        .collect();
    assert!(!seeds.is_empty(), "no seeds in {}", dir.display());
    seeds
}

/// One edit of a byte string: flip, insert, delete, truncate, or splice in JSON punctuation.
#[derive(Debug, Clone)]
enum Edit {
    Set(usize, u8),
    Insert(usize, u8),
    Delete(usize),
    Truncate(usize),
    Splice(usize, &'static str),
}

fn edit() -> impl Strategy<Value = Edit> {
    let token = prop_oneof![
        Just("{"),
        Just("}"),
        Just("["),
        Just("]"),
        Just(","),
        Just(":"),
        Just("\""),
        Just("\\"),
        Just("null"),
        Just("-1"),
        Just("1e999"),
        Just("18446744073709551616"),
        Just("\\ud800"),
        Just("{\"a\":"),
        Just("[[[[[[[["),
    ];
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Set(i, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Insert(i, b)),
        any::<usize>().prop_map(Edit::Delete),
        any::<usize>().prop_map(Edit::Truncate),
        (any::<usize>(), token).prop_map(|(i, t)| Edit::Splice(i, t)),
    ]
}

fn mutate(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        let n = bytes.len().max(1);
        match *e {
            Edit::Set(i, b) if !bytes.is_empty() => bytes[i % n] = b,
            Edit::Insert(i, b) => bytes.insert(i % (bytes.len() + 1), b),
            Edit::Delete(i) if !bytes.is_empty() => {
                bytes.remove(i % n);
            }
            Edit::Truncate(i) => bytes.truncate(i % (bytes.len() + 1)),
            Edit::Splice(i, t) => {
                let at = i % (bytes.len() + 1);
                bytes.splice(at..at, t.bytes());
            }
            _ => {}
        }
    }
    bytes
}

/// Parses a frame and, when it is a request, binds its params for every class that has the method.
fn exercise_frame(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    if let Ok(req) = Request::parse(&text) {
        for class in ["Global", "Doc", "GenericObject", "Field", "GenericVariable"] {
            if let Some(m) = Spec::global().method(class, &req.method) {
                let _ = m.bind(&req.params);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn mutated_frames_never_panic(
        seed in any::<prop::sample::Index>(),
        edits in prop::collection::vec(edit(), 1..12),
    ) {
        let seeds = seeds("frames");
        let bytes = mutate(seed.get(&seeds).clone(), &edits);
        exercise_frame(&bytes);
    }

    #[test]
    fn arbitrary_frames_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        exercise_frame(&bytes);
    }

    #[test]
    fn mutated_session_paths_never_panic(
        seed in any::<prop::sample::Index>(),
        edits in prop::collection::vec(edit(), 1..8),
    ) {
        let seeds = seeds("paths");
        let bytes = mutate(seed.get(&seeds).clone(), &edits);
        let _ = SessionPath::parse(&String::from_utf8_lossy(&bytes));
    }
}

#[test]
fn the_seeds_themselves_parse() {
    for s in seeds("frames") {
        let text = String::from_utf8(s).expect("UTF-8 seed");
        let req = Request::parse(&text).unwrap_or_else(|e| panic!("{text}: {e:?}"));
        assert!(!req.method.is_empty());
    }
    for s in seeds("paths") {
        let text = String::from_utf8(s).expect("UTF-8 seed");
        SessionPath::parse(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
    }
}
