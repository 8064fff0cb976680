// krest's JsonSchema derive leaves generic types to schemars' own, and says how to use it.
#[derive(krest::JsonSchema)]
pub struct Pair<T> {
    pub left: T,
}

#[derive(krest::schemars::JsonSchema)]
#[schemars(crate = "krest::schemars")]
pub struct Fine<T> {
    pub left: T,
}

fn main() {}
