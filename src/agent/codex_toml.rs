//! Registering `mem mcp` in Codex's `config.toml` (`[mcp_servers.<name>]`
//! with `command`, `args` and `env`), through `toml_edit` so the user's
//! comments, order and formatting stay as they were.

use toml_edit::{value, Array, DocumentMut, InlineTable, Item, Table};

use super::settings::{SettingsError, MCP_SERVER_NAME};

/// Parse `text` (`None`: a new file).
///
/// # Errors
/// [`SettingsError::Json`] (named for the JSON files; the message says TOML)
/// when it is not valid TOML.
pub fn parse(text: Option<&str>) -> Result<DocumentMut, SettingsError> {
    text.unwrap_or("")
        .parse::<DocumentMut>()
        .map_err(|e| SettingsError::Toml(e.to_string().trim().to_owned()))
}

/// Add or update `[mcp_servers.kioku-mesh]`. Returns whether anything changed.
///
/// # Errors
/// [`SettingsError::Shape`] when `mcp_servers` is not a table, or
/// [`SettingsError::Taken`] when another program is registered under the name.
pub fn install_mcp(
    doc: &mut DocumentMut,
    command: &str,
    args: &[String],
    env: &[(String, String)],
) -> Result<bool, SettingsError> {
    let servers = doc
        .entry("mcp_servers")
        .or_insert_with(|| {
            let mut t = Table::new();
            t.set_implicit(true);
            Item::Table(t)
        })
        .as_table_like_mut()
        .ok_or_else(|| SettingsError::Shape("mcp_servers".into(), "a table"))?;
    if let Some(existing) = servers.get(MCP_SERVER_NAME) {
        let cmd = existing
            .as_table_like()
            .and_then(|t| t.get("command"))
            .and_then(Item::as_str)
            .unwrap_or("");
        if !super::settings::is_mem_program(cmd) {
            return Err(SettingsError::Taken(cmd.to_owned()));
        }
    }
    let mut table = Table::new();
    table.insert("command", value(command));
    let mut list = Array::new();
    for a in args {
        list.push(a.as_str());
    }
    table.insert("args", value(list));
    if !env.is_empty() {
        let mut vars = InlineTable::new();
        for (k, v) in env {
            vars.insert(k, v.as_str().into());
        }
        table.insert("env", value(vars));
    }
    let same = servers
        .get(MCP_SERVER_NAME)
        .and_then(Item::as_table)
        .is_some_and(|t| t.to_string() == table.to_string());
    if same {
        return Ok(false);
    }
    servers.insert(MCP_SERVER_NAME, Item::Table(table));
    Ok(true)
}

/// Remove `[mcp_servers.kioku-mesh]` when it runs `mem` (and `mcp_servers`
/// when that leaves it empty). Returns whether anything changed.
pub fn uninstall_mcp(doc: &mut DocumentMut) -> bool {
    let Some(servers) = doc.get_mut("mcp_servers").and_then(Item::as_table_like_mut) else {
        return false;
    };
    let ours = servers
        .get(MCP_SERVER_NAME)
        .and_then(Item::as_table_like)
        .and_then(|t| t.get("command"))
        .and_then(Item::as_str)
        .is_some_and(super::settings::is_mem_program);
    if !ours {
        return false;
    }
    servers.remove(MCP_SERVER_NAME);
    if servers.is_empty() {
        doc.remove("mcp_servers");
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds_and_removes_only_its_table() {
        let text =
            "# my settings\nmodel = \"o3\"  # fast\n\n[mcp_servers.other]\ncommand = \"x\"\n";
        let mut doc = parse(Some(text)).unwrap();
        let args = vec!["mcp".to_string()];
        assert!(install_mcp(&mut doc, "/opt/mem", &args, &[]).unwrap());
        let once = doc.to_string();
        assert!(once.contains("[mcp_servers.kioku-mesh]"));
        let mut again = parse(Some(&once)).unwrap();
        assert!(!install_mcp(&mut again, "/opt/mem", &args, &[]).unwrap());
        assert!(uninstall_mcp(&mut again));
        assert_eq!(again.to_string(), text);
        let mut theirs =
            parse(Some("[mcp_servers.kioku-mesh]\ncommand = \"kioku-mesh\"\n")).unwrap();
        assert!(install_mcp(&mut theirs, "/opt/mem", &args, &[]).is_err());
        assert!(!uninstall_mcp(&mut theirs));
    }
}
