//! A company's own control framework, from the spreadsheet it already keeps (CSV) or TOML.
//!
//! CSV columns (header row required; order free): `id`, `title`, and optionally `maps_to`
//! (unified control ids or check ids), `references` (`FRAMEWORK:REQUIREMENT`) and `automation`
//! (`automated`, `partial`, `manual`). List cells separate entries with `;`, `,` or spaces.
//! The framework id is the file name without extension (`acme-controls.csv` → `acme_controls`).

use super::{Automation, Framework, MapError, Requirement, normalize_id};
use std::path::Path;

fn list(cell: &str) -> Vec<String> {
    cell.split([';', ',', ' ', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn from_csv(text: &str, file: &str, id: String) -> Result<Framework, MapError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| MapError::new(file, format!("row 1: {e}")))?
        .iter()
        .map(|h| h.to_ascii_lowercase())
        .collect();
    let column = |name: &str| headers.iter().position(|h| h == name);
    let (Some(id_col), Some(title_col)) = (column("id"), column("title")) else {
        return Err(MapError::new(
            file,
            format!(
                "row 1: the header needs columns `id` and `title` (found: {})",
                headers.join(", ")
            ),
        ));
    };
    for header in &headers {
        if !["id", "title", "maps_to", "references", "automation"].contains(&header.as_str()) {
            return Err(MapError::new(
                file,
                format!(
                    "row 1: unknown column `{header}` (known: id, title, maps_to, references, automation)"
                ),
            ));
        }
    }
    let mut requirements = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| MapError::new(file, e.to_string()))?;
        let row = record.position().map_or(0, |p| p.line());
        let cell = |col: Option<usize>| col.and_then(|c| record.get(c)).unwrap_or("").to_owned();
        let at = |col: &str, message: String| {
            MapError::new(file, format!("row {row}, column `{col}`: {message}"))
        };
        let requirement_id = cell(Some(id_col));
        if requirement_id.is_empty() {
            return Err(at("id", "is empty".into()));
        }
        let title = cell(Some(title_col));
        if title.is_empty() {
            return Err(at("title", "is empty".into()));
        }
        let automation = match cell(column("automation")).to_ascii_lowercase().as_str() {
            "" | "partial" => Automation::Partial,
            "automated" => Automation::Automated,
            "manual" => Automation::Manual,
            other => {
                return Err(at(
                    "automation",
                    format!("`{other}` is not automated, partial or manual"),
                ));
            }
        };
        let references = list(&cell(column("references")));
        if let Some(bad) = references.iter().find(|r| !r.contains(':')) {
            return Err(at(
                "references",
                format!("`{bad}` must be FRAMEWORK:REQUIREMENT, e.g. soc2:CC6.1"),
            ));
        }
        requirements.push(Requirement {
            id: requirement_id,
            title,
            automation,
            maps_to: list(&cell(column("maps_to"))),
            references,
        });
    }
    Ok(Framework {
        name: id.clone(),
        id,
        version: "custom".into(),
        source: file.to_owned(),
        scope: None,
        requirements,
    })
}

/// Loads a custom framework file (`.csv` or `.toml`).
pub fn load(path: &Path) -> Result<Framework, MapError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| MapError::new(&file, format!("cannot read: {e}")))?;
    let stem = path
        .file_stem()
        .map(|s| normalize_id(&s.to_string_lossy()))
        .unwrap_or_default();
    let framework = match path.extension().and_then(|e| e.to_str()) {
        Some("csv") => from_csv(&text, &file, stem)?,
        Some("toml") => toml::from_str(&text).map_err(|e| MapError::new(&file, e.to_string()))?,
        _ => {
            return Err(MapError::new(
                &file,
                "a framework file must end in .csv or .toml",
            ));
        }
    };
    let mut seen = std::collections::BTreeSet::new();
    for requirement in &framework.requirements {
        if !seen.insert(&requirement.id) {
            return Err(MapError::new(
                &file,
                format!("duplicate requirement id `{}`", requirement.id),
            ));
        }
    }
    Ok(framework)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_become_requirements() {
        let csv = "id,title,maps_to,references,automation\nAC-1,MFA everywhere,UC-IAM-02;iam_root_mfa_enabled,soc2:CC6.1,automated\nHR-1,Background checks,,,manual\n";
        let fw = from_csv(csv, "acme.csv", "acme".into()).unwrap();
        assert_eq!(fw.requirements.len(), 2);
        assert_eq!(
            fw.requirements[0].maps_to,
            vec!["UC-IAM-02", "iam_root_mfa_enabled"]
        );
        assert_eq!(fw.requirements[0].references, vec!["soc2:CC6.1"]);
        assert_eq!(fw.requirements[1].automation, Automation::Manual);
    }

    #[test]
    fn bad_rows_name_row_and_column() {
        let cases = [
            ("id,title\n,No id\n", "row 2, column `id`"),
            (
                "id,title,automation\nX-1,t,sometimes\n",
                "row 2, column `automation`",
            ),
            (
                "id,title,references\nX-1,t,\nX-2,t,CC6.1\n",
                "row 3, column `references`",
            ),
            ("id,name\nX-1,t\n", "row 1"),
            ("id,title,owner\nX-1,t,bob\n", "unknown column `owner`"),
        ];
        for (csv, message) in cases {
            let err = from_csv(csv, "acme.csv", "acme".into())
                .unwrap_err()
                .to_string();
            assert!(err.contains(message), "{csv:?}: {err}");
        }
    }
}
