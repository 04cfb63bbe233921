//! The integration suite: one binary, so it links once (jj, ripgrep).

mod common;

mod test_agents;
mod test_bad_input;
mod test_cjk;
mod test_concurrency;
mod test_config;
mod test_conflicts;
mod test_context;
mod test_convergence;
mod test_crypto;
mod test_disk;
mod test_edit_delete;
mod test_expiry;
mod test_export_import;
mod test_faults;
mod test_gc;
mod test_generated;
mod test_get_list_log;
mod test_hook;
mod test_hook_lifecycle;
mod test_hostile;
mod test_https;
mod test_human_output;
mod test_importers;
mod test_index;
mod test_init;
mod test_mcp;
mod test_messages;
mod test_save;
mod test_search;
mod test_ssh;
mod test_sync;
mod test_tour;
mod test_watch;
