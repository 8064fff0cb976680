//! `krest`: the command line of krest.
//!
//! - `krest routes DIR...`: the route table (method, path, verb, operation id) of every served
//!   version of every CRD in `DIR`, computed as the generated code will, without compiling.
//! - `krest new NAME [--schemas DIR] [--out DIR]`: a server crate serving the CRDs in `DIR`, or,
//!   without `--schemas`, declaring a Widget with `#[derive(Resource)]`.
//! - `krest generate --schemas DIR --out DIR`: the Rust a build script would generate.
//! - `krest crd --manifest-path PATH --example NAME`: the CRD YAML of derive-declared types,
//!   printed by a small example of that crate (see `docs/codegen.md`).
//! - `krest diff OLD NEW`, `krest diff --git REF [PATH]`: the API changes between two sides,
//!   breaking or compatible (see `docs/diff.md`); exit 1 when anything breaks, 2 when an input
//!   cannot be read.
//!
//! Run with: `cargo run -p krest-codegen --features cli -- routes schemas`

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use krest_codegen::scaffold::NewCrate;
use krest_codegen::{actions, Builder, Error, Read};

/// A subcommand: its synopsis, one line of meaning, and its options. The option parser and
/// `--help` read the same table, [`COMMANDS`].
struct Cmd {
    name: &'static str,
    /// What follows the name: `NAME --schemas DIR [--out DIR]`.
    synopsis: &'static str,
    about: &'static str,
    /// `(name, value, default, meaning)`; an empty default is shown as `none`.
    options: &'static [(&'static str, &'static str, &'static str, &'static str)],
}

/// `--keep-going`, an option of `routes`, `new` and `generate`.
const KEEP_GOING: (&str, &str, &str, &str) = (
    "--keep-going",
    "",
    "off",
    "go on past a CRD krest refuses: the others generate, each refusal is printed (file:line, \
     field, reason), and the exit code is 1",
);

const ROUTES: Cmd = Cmd {
    name: "routes",
    synopsis: "DIR... [--keep-going]",
    about: "print the route table (method, path, verb, operation id) of the CRDs in DIR",
    options: &[KEEP_GOING],
};

const NEW: Cmd = Cmd {
    name: "new",
    synopsis: "NAME --schemas DIR [--out DIR] [--keep-going]",
    about: "write a server crate serving the CRDs in DIR",
    options: &[
        (
            "--schemas",
            "DIR",
            "",
            "the CRDs (a folder of .yaml/.yml files, or one file)",
        ),
        ("--out", "DIR", "NAME", "where the crate goes"),
        KEEP_GOING,
    ],
};

const GENERATE: Cmd = Cmd {
    name: "generate",
    synopsis: "--schemas DIR --out DIR [--keep-going]",
    about: "write the Rust types of the CRDs in DIR, as a build script would",
    options: &[
        (
            "--schemas",
            "DIR",
            "",
            "the CRDs (a folder of .yaml/.yml files, or one file)",
        ),
        ("--out", "DIR", "", "where the files go"),
        KEEP_GOING,
    ],
};

const CRD: Cmd = Cmd {
    name: "crd",
    synopsis: "[--manifest-path PATH] [--package NAME] (--example NAME | --bin NAME) [ARGS...]",
    about: "print the CRDs of derive-declared types, as written by that program of the crate",
    options: &[
        (
            "--manifest-path",
            "PATH",
            "",
            "the crate's Cargo.toml (default: the one cargo finds from here)",
        ),
        ("--package", "NAME", "", "the package of a workspace"),
        ("--example", "NAME", "", "the example that prints the CRDs"),
        ("--bin", "NAME", "", "the binary that prints the CRDs"),
    ],
};

const DIFF: Cmd = Cmd {
    name: "diff",
    synopsis: "(OLD NEW | --git REF [PATH]) [--output text|json]",
    about: "the API changes from OLD to NEW (CRD files or folders, `-` for stdin; or PATH at \
            git REF against the working tree): exit 1 when anything breaks, 2 when an input \
            is unreadable",
    options: &[
        (
            "--git",
            "REF",
            "",
            "compare PATH (default: every CRD below here) at REF with the working tree",
        ),
        ("--output", "FORMAT", "text", "text, or json (docs/diff.md)"),
    ],
};

/// Every subcommand, in the order `krest --help` lists them.
const COMMANDS: &[&Cmd] = &[&ROUTES, &NEW, &GENERATE, &CRD, &DIFF];

impl Cmd {
    /// The names of its options, for [`Args::parse`].
    fn known(&self) -> Vec<&'static str> {
        self.options.iter().map(|o| o.0).collect()
    }

    /// The names of its options that take no value (`--keep-going`).
    fn flags(&self) -> Vec<&'static str> {
        self.options
            .iter()
            .filter(|o| o.1.is_empty())
            .map(|o| o.0)
            .collect()
    }

    /// `krest NAME --help`: synopsis, meaning, and each option with its default.
    fn help(&self) -> String {
        let mut text = format!(
            "usage: krest {} {}\n\n{}\n",
            self.name, self.synopsis, self.about
        );
        if !self.options.is_empty() {
            text.push_str("\noptions (`--option value` or `--option=value`):\n");
        }
        for (name, value, default, meaning) in self.options {
            let default = if default.is_empty() { "none" } else { default };
            let name = if value.is_empty() {
                (*name).to_string()
            } else {
                format!("{name} {value}")
            };
            text.push_str(&format!("  {name}\n      {meaning} (default: {default})\n"));
        }
        text.push_str("  -h, --help\n      print this help\n");
        text
    }
}

/// `krest --help`, and the tail of every usage mistake.
fn usage() -> String {
    let mut text = String::from("usage:\n");
    for cmd in COMMANDS {
        text.push_str(&format!(
            "  krest {} {}\n      {}\n",
            cmd.name, cmd.synopsis, cmd.about
        ));
    }
    text.push_str("  krest COMMAND --help\n      the options of COMMAND, with their defaults\n");
    text
}

/// A failure: a usage mistake (exit 2) or an error (exit 1); for `diff`, an unreadable input
/// (exit 2) or a breaking change (exit 1, the report said it); with `--keep-going`, CRDs left
/// out (exit 1, each was printed).
enum Failure {
    Usage(String),
    Error(String),
    Unreadable(String),
    Breaking,
    LeftOut(usize),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Error(e.to_string())
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(message)) => {
            eprint!("krest: {message}\n{}", usage());
            ExitCode::from(2)
        }
        Err(Failure::Error(message)) => {
            eprintln!("krest: error: {message}");
            ExitCode::FAILURE
        }
        Err(Failure::Unreadable(message)) => {
            eprintln!("krest: error: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Breaking) => ExitCode::FAILURE,
        Err(Failure::LeftOut(n)) => {
            eprintln!("krest: error: {n} CustomResourceDefinition(s) left out (--keep-going)");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result<(), Failure> {
    let Some((command, rest)) = args.split_first() else {
        return Err(Failure::Usage("no command given".into()));
    };
    if let Some(cmd) = COMMANDS.iter().find(|c| c.name == command) {
        // `-h`/`--help` anywhere before a `--`: the subcommand's help, to standard output.
        let before_args = rest.iter().take_while(|a| *a != "--");
        if before_args.into_iter().any(|a| a == "-h" || a == "--help") {
            print!("{}", cmd.help());
            return Ok(());
        }
    }
    match command.as_str() {
        "routes" => routes(rest),
        "new" => new(rest),
        "generate" => generate(rest),
        "crd" => crd(rest),
        "diff" => diff(rest),
        "-h" | "--help" | "help" => {
            print!("{}", usage());
            Ok(())
        }
        other => Err(Failure::Usage(format!("unknown command {other:?}"))),
    }
}

/// Options and positional arguments: `--name VALUE` or `--name=VALUE`.
struct Args {
    positional: Vec<String>,
    options: Vec<(String, String)>,
    flags: Vec<String>,
}

impl Args {
    fn parse(args: &[String], known: &[&str]) -> Result<Args, Failure> {
        Args::parse_with_flags(args, known, &[])
    }

    /// As [`Args::parse`], with options in `flags` taking no value.
    fn parse_with_flags(args: &[String], known: &[&str], flags: &[&str]) -> Result<Args, Failure> {
        let mut out = Args {
            positional: Vec::new(),
            options: Vec::new(),
            flags: Vec::new(),
        };
        let mut iter = args.iter();
        while let Some(arg) = iter.next() {
            if !arg.starts_with("--") {
                out.positional.push(arg.clone());
                continue;
            }
            if flags.contains(&arg.as_str()) {
                out.flags.push(arg.clone());
                continue;
            }
            let (name, value) = match arg.split_once('=') {
                Some((n, v)) => (n.to_string(), v.to_string()),
                None => {
                    let value = iter
                        .next()
                        .ok_or_else(|| Failure::Usage(format!("{arg} needs a value")))?;
                    (arg.clone(), value.clone())
                }
            };
            if !known.contains(&name.as_str()) {
                return Err(Failure::Usage(format!("unknown option {name:?}")));
            }
            out.options.push((name, value));
        }
        Ok(out)
    }

    fn flag(&self, name: &str) -> bool {
        self.flags.iter().any(|f| f == name)
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.options
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn require(&self, name: &str) -> Result<&str, Failure> {
        self.get(name)
            .ok_or_else(|| Failure::Usage(format!("{name} is required")))
    }
}

/// Prints the warnings and refusals of a read; with refusals, the failure to return once the
/// rest is done.
fn report(read: &Read) -> Result<(), Failure> {
    for warning in &read.warnings {
        eprintln!("krest: warning: {warning}");
    }
    for refused in &read.refused {
        eprintln!("krest: error: {refused}");
    }
    match read.refused.len() {
        0 => Ok(()),
        n => Err(Failure::LeftOut(n)),
    }
}

fn routes(args: &[String]) -> Result<(), Failure> {
    let args = Args::parse_with_flags(args, &ROUTES.known(), &ROUTES.flags())?;
    if args.positional.is_empty() {
        return Err(Failure::Usage("`routes` needs a directory of CRDs".into()));
    }
    let mut builder = Builder::new()
        .rerun_if_changed(false)
        .keep_going(args.flag("--keep-going"));
    for dir in &args.positional {
        builder = builder.schemas(dir);
    }
    let read = builder.read_all()?;
    let outcome = report(&read);
    let crds = read.crds;
    let mut out = String::new();
    for crd in &crds {
        for version in crd.served() {
            for action in actions(&crd.model(version)) {
                let verb = action.kube_verb.map_or("-", |v| v.as_str());
                out.push_str(&format!(
                    "{:<7} {:<80} {:<17} {}\n",
                    action.method, action.path, verb, action.operation_id
                ));
            }
        }
    }
    print!("{out}");
    outcome
}

/// Each version that converts in Rust, the fields that differ from its storage version's, and
/// the file where the conversion is written.
fn print_conversions(crds: &[krest_codegen::Crd], out: &Path) -> Result<(), Failure> {
    let pairs = krest_codegen::conversion::version_pairs(crds)?;
    for pair in &pairs {
        let differences = pair.differences();
        eprintln!(
            "krest: conversion: {} {} {} <-> {} (storage): {}",
            pair.group,
            pair.kind,
            pair.version,
            pair.hub,
            if differences.is_empty() {
                "the fields agree"
            } else {
                "fields differ"
            }
        );
        for line in differences {
            eprintln!("krest:   {line}");
        }
    }
    if !pairs.is_empty() {
        let file = out.join(krest_codegen::conversion::USER_FILE);
        eprintln!(
            "krest: write the conversions in {} ({}; never overwritten)",
            file.display(),
            if file.exists() {
                "yours, kept as it is"
            } else {
                "written now, field by field"
            }
        );
    }
    Ok(())
}

fn new(args: &[String]) -> Result<(), Failure> {
    let args = Args::parse_with_flags(args, &NEW.known(), &NEW.flags())?;
    let [name] = args.positional.as_slice() else {
        return Err(Failure::Usage("`new` needs exactly one NAME".into()));
    };
    let keep_going = args.flag("--keep-going");
    let out = PathBuf::from(args.get("--out").unwrap_or(name));
    let mut outcome = Ok(());
    let krate = match args.get("--schemas") {
        Some(schemas) => {
            announce(schemas)?;
            let read = Builder::new()
                .schemas(schemas)
                .rerun_if_changed(false)
                .keep_going(keep_going)
                .read_all()?;
            outcome = report(&read);
            print_conversions(&read.crds, &out)?;
            let mut krate = NewCrate::new(name.clone(), schemas, &out);
            krate.keep_going = keep_going;
            krate
        }
        None if keep_going => {
            return Err(Failure::Usage("--keep-going needs --schemas".into()));
        }
        None => NewCrate::derive(name.clone(), &out),
    };
    let files = krate.write()?;
    eprintln!(
        "krest: wrote {} files to {}; build it with `cargo build --manifest-path {}`",
        files.len(),
        out.display(),
        out.join("Cargo.toml").display()
    );
    outcome
}

/// Progress: the schema files about to be read, with their sizes (large CRDs take seconds).
fn announce(schemas: &str) -> Result<(), Failure> {
    let files = Builder::new().schemas(schemas).files()?;
    for file in &files {
        let size = std::fs::metadata(file).map_or(0, |m| m.len());
        eprintln!(
            "krest: reading {} ({} KiB)",
            file.display(),
            size.div_ceil(1024)
        );
    }
    eprintln!("krest: generating the types of {} file(s)", files.len());
    Ok(())
}

fn generate(args: &[String]) -> Result<(), Failure> {
    let args = Args::parse_with_flags(args, &GENERATE.known(), &GENERATE.flags())?;
    if !args.positional.is_empty() {
        return Err(Failure::Usage(format!(
            "unexpected argument {:?}",
            args.positional[0]
        )));
    }
    let schemas = args.require("--schemas")?;
    let out = args.require("--out")?;
    announce(schemas)?;
    let generated = Builder::new()
        .schemas(schemas)
        .out_dir(out)
        .rerun_if_changed(false)
        .keep_going(args.flag("--keep-going"))
        .generate()?;
    let outcome = report(&Read {
        crds: Vec::new(),
        warnings: generated.warnings.clone(),
        refused: generated.refused.clone(),
    });
    for file in &generated.files {
        let state = if generated.written.contains(file) {
            "wrote"
        } else {
            "unchanged"
        };
        eprintln!("krest: {state} {}", file.display());
    }
    outcome
}

fn crd(args: &[String]) -> Result<(), Failure> {
    let args = Args::parse(args, &CRD.known())?;
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command.args(["run", "--quiet"]);
    if let Some(path) = args.get("--manifest-path") {
        command.args(["--manifest-path", path]);
    }
    if let Some(package) = args.get("--package") {
        command.args(["--package", package]);
    }
    match (args.get("--example"), args.get("--bin")) {
        (Some(example), None) => command.args(["--example", example]),
        (None, Some(bin)) => command.args(["--bin", bin]),
        _ => {
            return Err(Failure::Usage(
                "`crd` needs one of --example NAME or --bin NAME".into(),
            ))
        }
    };
    command.args(&args.positional);
    eprintln!("krest: building and running {command:?}");
    let output = command
        .output()
        .map_err(|e| Failure::Error(format!("running cargo: {e}")))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last = stderr.lines().last().unwrap_or("no output").trim();
        return Err(Failure::Error(format!(
            "the CRD printer failed ({}): {last}",
            output.status
        )));
    }
    let text = String::from_utf8(output.stdout)
        .map_err(|_| Failure::Error("the CRD printer wrote invalid UTF-8".into()))?;
    // What is printed must read back as CRDs krest serves unchanged.
    krest_codegen::read_crds("<krest crd output>", &text)?;
    print!("{text}");
    Ok(())
}

fn diff(args: &[String]) -> Result<(), Failure> {
    use krest_codegen::diff::{self, git, Api};
    use std::path::Path;
    let args = Args::parse(args, &DIFF.known())?;
    let json = match args.get("--output").unwrap_or("text") {
        "text" => false,
        "json" => true,
        other => {
            return Err(Failure::Usage(format!(
                "--output must be text or json, found {other:?}"
            )))
        }
    };
    let unreadable = |e: Error| Failure::Unreadable(e.to_string());
    let (old, new) = match (args.get("--git"), args.positional.as_slice()) {
        (Some(rev), [] | [_]) => {
            let path = args.positional.first().map(Path::new);
            (
                git::read_revision(rev, path).map_err(unreadable)?,
                git::read_working_tree(path).map_err(unreadable)?,
            )
        }
        (None, [old, new]) => (
            Api::read_path(Path::new(old)).map_err(unreadable)?,
            Api::read_path(Path::new(new)).map_err(unreadable)?,
        ),
        _ => {
            return Err(Failure::Usage(
                "`diff` needs OLD and NEW, or --git REF and at most one PATH".into(),
            ))
        }
    };
    let report = diff::diff(&old, &new);
    if json {
        println!("{:#}", report.to_json());
    } else {
        print!("{}", report.to_text());
    }
    if report.is_breaking() {
        return Err(Failure::Breaking);
    }
    Ok(())
}
