//! Names of the generated benchmark kinds: the same in the route sets, in the 500-kind server
//! that `build.rs` writes, and in the Go peer (which reads the route sets from files).

/// How many kinds share one group-version, as kinds cluster in real API groups.
pub const KINDS_PER_GROUP: usize = 10;

/// Kind name stems; the group number is appended.
const STEMS: [&str; KINDS_PER_GROUP] = [
    "Widget", "Gadget", "Sprocket", "Gizmo", "Lever", "Pulley", "Valve", "Gear", "Spring", "Bolt",
];

/// The API group of generated kind `i`: `group3.bench.krest.dev` for kinds 30 to 39.
pub fn group(i: usize) -> String {
    format!("group{}.bench.krest.dev", i / KINDS_PER_GROUP)
}

/// The kind of generated kind `i`: `Sprocket3` for kind 32.
pub fn kind(i: usize) -> String {
    format!("{}{}", STEMS[i % KINDS_PER_GROUP], i / KINDS_PER_GROUP)
}
