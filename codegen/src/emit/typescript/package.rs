//! `package.json`: the npm package, named after the catalog.

use serde_json::json;

use crate::ir::Catalog;

/// ES modules only (`"type": "module"`), each entry point with its declarations first in its
/// `exports` condition (TypeScript reads the first match), no dependencies at all, and
/// `sideEffects: false` so bundlers drop what an app does not import (the validator, when it is
/// not passed to the tracker).
pub(super) fn package_json(catalog: &Catalog) -> String {
    let package = json!({
        "name": format!("{}-events", catalog.name),
        "version": catalog.version.to_string(),
        "private": true,
        "description": format!(
            "Typed tracking functions, transports and a validator for the events of the {}.",
            catalog.title.trim()
        ),
        "type": "module",
        "main": "./index.js",
        "types": "index.d.ts",
        "exports": {
            ".": { "types": "./index.d.ts", "default": "./index.js" },
            "./validate": { "types": "./validate.d.ts", "default": "./validate.js" },
            "./package.json": "./package.json",
        },
        "sideEffects": false,
        "engines": { "node": ">=20" },
    });
    format!("{package:#}\n")
}
