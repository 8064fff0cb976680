//! The corpus of real CRDs (`tests/crds` and `tests/crds/corpus/<project>`, sources in
//! `tests/crds/README.md`): every CRD reads as kube-apiserver would take it, every served
//! version has its routes, and the types of all of them generate together into Rust that
//! parses. `scripts/corpus.sh` goes further: it compiles one server for the whole corpus and
//! lists every kind through kubectl.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use krest_codegen::render::render_module;
use krest_codegen::schema::build_modules;
use krest_codegen::{actions, ActionVerb, Builder, Crd};

fn crds_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/crds")
}

/// The corpus folders: `tests/crds` itself (its seven CRDs) and each project's folder.
fn folders() -> Vec<PathBuf> {
    let mut folders = vec![crds_dir()];
    let mut projects: Vec<PathBuf> = std::fs::read_dir(crds_dir().join("corpus"))
        .expect("tests/crds/corpus")
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    projects.sort();
    folders.extend(projects);
    folders
}

fn read_all() -> Vec<Crd> {
    let builder = folders()
        .into_iter()
        .fold(Builder::new().rerun_if_changed(false), Builder::schemas);
    // Without `keep_going`: any refusal (a CRD, or names conflicting with another) fails here.
    let read = builder.read_all().unwrap_or_else(|e| panic!("{e}"));
    assert!(read.refused.is_empty());
    read.crds
}

#[test]
fn the_corpus_has_100_crds_from_15_projects_each_listed_with_its_source() {
    let crds = read_all();
    assert!(crds.len() >= 100, "{} CRDs", crds.len());
    let readme = std::fs::read_to_string(crds_dir().join("README.md")).unwrap();
    let mut projects = BTreeSet::new();
    for folder in folders().iter().skip(1) {
        let project = folder.file_name().unwrap().to_string_lossy().into_owned();
        for file in Builder::new().schemas(folder).files().unwrap() {
            let name = format!(
                "| {project}/{} |",
                file.file_name().unwrap().to_string_lossy()
            );
            assert!(readme.contains(&name), "README.md does not list {name}");
        }
        projects.insert(project);
    }
    // The four projects of the top-level files, and the corpus folders.
    for group in [
        "cert-manager.io",
        "monitoring.coreos.com",
        "gateway.networking.k8s.io",
        "argoproj.io",
    ] {
        assert!(crds.iter().any(|c| c.group == group), "{group}");
    }
    assert!(4 + projects.len() >= 15, "{projects:?}");
}

#[test]
fn every_served_version_of_every_crd_has_its_routes() {
    let crds = read_all();
    let mut versions = 0;
    for crd in &crds {
        assert!(crd.served().count() > 0, "{} serves no version", crd.name);
        for version in crd.served() {
            versions += 1;
            let model = crd.model(version);
            let table = actions(&model);
            let list = if crd.scope == krest_codegen::Scope::Namespaced {
                format!(
                    "/apis/{}/{}/namespaces/{{namespace}}/{}",
                    crd.group, version.name, crd.plural
                )
            } else {
                format!("/apis/{}/{}/{}", crd.group, version.name, crd.plural)
            };
            for verb in [ActionVerb::List, ActionVerb::Post] {
                assert!(
                    table.iter().any(|a| a.verb == verb && a.path == list),
                    "{} {}: no {verb:?} {list}",
                    crd.file,
                    version.name
                );
            }
            assert_eq!(
                table.iter().any(|a| a.path.ends_with("/status")),
                version.status,
                "{} {}: the status subresource",
                crd.file,
                version.name
            );
        }
    }
    assert!(versions >= crds.len());
}

#[test]
fn every_crd_generates_its_types() {
    let crds = read_all();
    let modules = build_modules(&crds).unwrap_or_else(|e| panic!("{e}"));
    let mut kinds = BTreeSet::new();
    for module in &modules {
        // Rendering parses the output with `syn`: Rust that does not parse is an error.
        let source = render_module(module).unwrap_or_else(|e| panic!("{e}"));
        for resource in &module.resources {
            let kind = &resource.model.kind;
            assert!(
                source.contains(&format!("kind = \"{kind}\"")),
                "{}/{}: no {kind}",
                module.group,
                module.version
            );
            kinds.insert((module.group.clone(), kind.to_string()));
        }
    }
    let expected: BTreeSet<_> = crds
        .iter()
        .map(|c| (c.group.clone(), c.kind.clone()))
        .collect();
    assert_eq!(kinds, expected, "every kind generates");
}
