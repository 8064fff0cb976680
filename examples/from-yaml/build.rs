//! Generates Widget and Gadget from `schemas/*.yaml` into `OUT_DIR`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    krest_codegen::Builder::new()
        .schemas("../../schemas")
        .out_dir(std::env::var("OUT_DIR")?)
        .generate()?;
    Ok(())
}
