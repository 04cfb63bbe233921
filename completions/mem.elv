
use builtin;
use str;

set edit:completion:arg-completer[mem] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'mem'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'mem'= {
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand init 'Set up config, this device''s identity and the `local` and `user` scopes'
            cand save 'Save an observation'
            cand search 'Search observations (FTS5, ranked by bm25)'
            cand get 'Show one observation in full, by id or unique prefix (6+ hex characters)'
            cand list 'List observations, newest first'
            cand log 'Show history: the commits of every scope, or the versions of one observation'
            cand edit 'Edit an observation in $VISUAL or $EDITOR; the result is saved as a new observation that supersedes the old one'
            cand delete 'Delete an observation by writing a tombstone (who, when, why)'
            cand reindex 'Rebuild the search index from every scope'
            cand model 'Show or change the embedding model of hybrid search'
            cand gc 'Repack every scope, drop what no longer needs keeping, and clear out finished agent sessions'
            cand doctor 'Check the setup and say what needs doing'
            cand stats 'Count observations per scope, kind and project, and show disk use'
            cand export 'Write observations out: JSON lines (to stdout or a file) or Markdown files (one per observation, into a directory)'
            cand import 'Import observations from another source'
            cand sync 'Push and pull scopes to and from their git remotes'
            cand conflicts 'List, show and resolve merge records: concurrent edits that `mem sync` found (two edits of one observation, two observations with one key, an edit of a deleted observation). Exits 3 while any is unresolved'
            cand send 'Send a handoff message to another agent, device, session or user'
            cand inbox 'Show the handoff messages addressed to you'
            cand ack 'Acknowledge a handoff message: it leaves every recipient''s inbox'
            cand context 'Print the block an agent''s session-start hook injects'
            cand scope 'List scopes, add one, point one at a git remote, or manage encryption'
            cand key 'Create or show this device''s identity for encrypted scopes'
            cand hook 'Install or remove the hooks that run mem for you'
            cand mcp 'Serve mem to an agent over MCP (stdio)'
            cand watch 'Keep the index in step with the scopes, and sync after local changes'
            cand generate-docs 'Render man pages and completions'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mem;init'= {
            cand --remote 'A git remote for the user scope: an existing one is cloned (a new device joining), an empty one is filled by `mem sync`'
            cand --encrypt 'Encrypt the `local` scope too (the `user` scope always is)'
            cand --json 'Print the result as JSON'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mem;save'= {
            cand -t 'Title (default: the first line of the text)'
            cand --title 'Title (default: the first line of the text)'
            cand --summary 'One-line summary shown in results'
            cand -k 'Kind: note, decision, bug, pattern, config, summary, feature, discovery, reference, session, handoff'
            cand --kind 'Kind: note, decision, bug, pattern, config, summary, feature, discovery, reference, session, handoff'
            cand --tag 'Tag (repeatable)'
            cand --key 'Topic key: the new observation supersedes the live one with this key'
            cand -s 'Scope to save into (default: default_scope from config, normally user)'
            cand --scope 'Scope to save into (default: default_scope from config, normally user)'
            cand --project 'Project (default: the normalised origin URL of the current git repository)'
            cand -i 'Importance from 1 (low) to 5 (high)'
            cand --importance 'Importance from 1 (low) to 5 (high)'
            cand --file 'A file the memory is about (repeatable)'
            cand --supersedes 'Id (or unique prefix) of an observation this one replaces (repeatable)'
            cand --agent 'Agent saving it (claude-code, codex, gemini, …)'
            cand --session 'The agent''s session id'
            cand --ttl 'Expire after this long: seconds (3600) or an age (90m, 12h, 7d, 2w)'
            cand --expires 'Expire at this instant: RFC 3339 (2026-12-01T09:00:00Z) or a date (midnight UTC)'
            cand --stdin 'Read the text from standard input (UTF-8)'
            cand --global 'Save without a project: relevant everywhere'
            cand --allow-secrets 'Save even if the text looks like it contains a secret'
            cand --json 'Print the result as JSON'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mem;search'= {
            cand -s 'Only this scope (repeatable)'
            cand --scope 'Only this scope (repeatable)'
            cand -k 'Only this kind'
            cand --kind 'Only this kind'
            cand --tag 'Only observations with this tag'
            cand --project 'This project (plus project-less observations) instead of the current one'
            cand --since 'Only observations created since: 2026-11-01, 2026-11-01T09:30:00Z, 7d, 12h, 2w'
            cand -n 'At most this many results (default: limit from config, normally 10)'
            cand --limit 'At most this many results (default: limit from config, normally 10)'
            cand --all-projects 'Every project'
            cand --all 'Include superseded, deleted and expired observations'
            cand --json 'Print results as a JSON array'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mem;get'= {
            cand --json 'Print as a JSON object'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mem;list'= {
            cand -s 'Only this scope (repeatable)'
            cand --scope 'Only this scope (repeatable)'
            cand -k 'Only this kind'
            cand --kind 'Only this kind'
            cand --tag 'Only observations with this tag'
            cand --project 'This project (plus project-less observations) instead of the current one'
            cand --since 'Only observations created since: 2026-11-01, 2026-11-01T09:30:00Z, 7d, 12h, 2w'
            cand -n 'At most this many results (default: limit from config, normally 10)'
            cand --limit 'At most this many results (default: limit from config, normally 10)'
            cand --all-projects 'Every project'
            cand --all 'Include superseded, deleted and expired observations'
            cand --json 'Print results as a JSON array'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mem;log'= {
            cand -n 'At most this many commits'
            cand --limit 'At most this many commits'
            cand --json 'Print as JSON'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mem;edit'= {
            cand --allow-secrets 'Save even if the text looks like it contains a secret'
            cand --json 'Print the result as JSON'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mem;delete'= {
            cand -r 'Why it is deleted (kept in the tombstone)'
            cand --reason 'Why it is deleted (kept in the tombstone)'
            cand -s 'Delete only from this scope (default: every scope holding it)'
            cand --scope 'Delete only from this scope (default: every scope holding it)'
            cand --json 'Print the result as JSON'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mem;reindex'= {
            cand --json 'Print the result as JSON'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mem;model'= {
            cand --json 'Print the result as JSON'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand show 'Show the search mode and the model in use'
            cand set 'Use the Model2Vec model in a local directory and compute every observation''s vector with it'
            cand download 'Download a Model2Vec model from Hugging Face and use it'
            cand off 'Stop using the model: search by words only'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mem;model;show'= {
            cand --json 'Print the result as JSON'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mem;model;set'= {
            cand --json 'Print the result as JSON'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mem;model;download'= {
            cand --from 'Fetch from this base URL instead of https://huggingface.co (files at URL/NAME/resolve/main/FILE)'
            cand --json 'Print the result as JSON'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mem;model;off'= {
            cand --json 'Print the result as JSON'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mem;model;help'= {
            cand show 'Show the search mode and the model in use'
            cand set 'Use the Model2Vec model in a local directory and compute every observation''s vector with it'
            cand download 'Download a Model2Vec model from Hugging Face and use it'
            cand off 'Stop using the model: search by words only'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mem;model;help;show'= {
        }
        &'mem;model;help;set'= {
        }
        &'mem;model;help;download'= {
        }
        &'mem;model;help;off'= {
        }
        &'mem;model;help;help'= {
        }
        &'mem;gc'= {
            cand --retention-days 'Remove deleted observations and their tombstones once the deletion is this many days old (expired ones once they expired this long ago)'
            cand --idle-hours 'Fold spools of sessions idle for this many hours'
            cand --json 'Print the result as JSON'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mem;doctor'= {
            cand --json 'Print the report as JSON'
            cand --fix 'Run the repairs doctor can make by itself (fetch what a scope lost from its remote), then check again'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mem;stats'= {
            cand --json 'Print as JSON'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mem;export'= {
            cand --format 'Output format'
            cand -o 'File (jsonl; default stdout) or directory (markdown; required)'
            cand --output 'File (jsonl; default stdout) or directory (markdown; required)'
            cand -s 'Only this scope (repeatable)'
            cand --scope 'Only this scope (repeatable)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mem;import'= {
            cand --from 'Source format'
            cand -s 'Scope to import into (default: each record''s scope, else default_scope)'
            cand --scope 'Scope to import into (default: each record''s scope, else default_scope)'
            cand --allow-secrets 'Import even if a record looks like it contains a secret'
            cand --json 'Print the counts as JSON'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mem;sync'= {
            cand -s 'Only this scope (repeatable)'
            cand --scope 'Only this scope (repeatable)'
            cand -q 'Print nothing but errors'
            cand --quiet 'Print nothing but errors'
            cand --json 'Print per-scope results as JSON'
            cand -v 'With a failure, also print the underlying message (git''s or the server''s; passwords removed)'
            cand --verbose 'With a failure, also print the underlying message (git''s or the server''s; passwords removed)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mem;conflicts'= {
            cand --json 'Print as JSON'
            cand -h 'Print help'
            cand --help 'Print help'
            cand list 'List merge records (unresolved ones unless --all)'
            cand show 'Show a record: every competing version and a diff of the first two'
            cand resolve 'Resolve a record with one commit, which syncs like any other'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mem;conflicts;list'= {
            cand --all 'Resolved records too'
            cand --json 'Print as JSON'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mem;conflicts;show'= {
            cand --json 'Print as JSON'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mem;conflicts;resolve'= {
            cand --keep 'Keep this competitor; the others are deleted (tombstones)'
            cand --merge-command 'Pipe all versions to CMD (run with sh -c); its output, as Markdown, is saved superseding them all'
            cand --keep-all 'Keep every competitor'
            cand --edit 'Edit a merge of all versions in $VISUAL/$EDITOR; the result supersedes them all'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mem;conflicts;help'= {
            cand list 'List merge records (unresolved ones unless --all)'
            cand show 'Show a record: every competing version and a diff of the first two'
            cand resolve 'Resolve a record with one commit, which syncs like any other'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mem;conflicts;help;list'= {
        }
        &'mem;conflicts;help;show'= {
        }
        &'mem;conflicts;help;resolve'= {
        }
        &'mem;conflicts;help;help'= {
        }
        &'mem;send'= {
            cand --to 'Who it is for: user:NAME, agent:FAMILY (claude-code, codex, …), device:NAME or session:ID'
            cand --ttl 'Deliver for this long: seconds (3600) or an age (90m, 12h, 7d, 2w); default 7d'
            cand --subject 'One-line subject'
            cand -s 'Scope to send through (default: default_scope from config, normally user)'
            cand --scope 'Scope to send through (default: default_scope from config, normally user)'
            cand --agent 'Agent sending it (claude-code, codex, gemini, …)'
            cand --session 'The sending agent''s session id'
            cand --requires-ack 'Ask the recipient to acknowledge it'
            cand --json 'Print the result as JSON'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mem;inbox'= {
            cand --agent 'The agent family reading (claude-code, codex, …)'
            cand --session 'The reading agent''s session id'
            cand --all 'Also show acknowledged and expired messages'
            cand --json 'Print the messages as a JSON array'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mem;ack'= {
            cand --agent 'The agent family acknowledging (claude-code, codex, …)'
            cand --session 'The acknowledging agent''s session id'
            cand --json 'Print the result as JSON'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mem;context'= {
            cand --project 'The project (default: the normalised origin URL of the cwd''s repository)'
            cand --budget 'At most this many characters'
            cand -q 'Rank memories matching these words higher'
            cand --query 'Rank memories matching these words higher'
            cand --agent 'The agent family reading (claude-code, codex, …): its messages come first too'
            cand --session 'The reading agent''s session id'
            cand --json 'Print the block and its parts as JSON'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mem;scope'= {
            cand -h 'Print help'
            cand --help 'Print help'
            cand list 'List scopes with their remotes'
            cand add 'Add a scope: team/<id> (or local, user). With --remote, clone it: an existing remote''s observations arrive at once; an empty remote is filled by the next `mem sync`'
            cand remote 'Set a scope''s git remote; the next `mem sync` merges both histories'
            cand recipients 'List, add or remove the age recipients of an encrypted scope. Adding or removing re-encrypts the whole scope to the new list in one commit'
            cand rekey 'Re-encrypt every file of a scope to its recipients in one commit'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mem;scope;list'= {
            cand --json 'Print as JSON'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mem;scope;add'= {
            cand --remote 'The scope''s git remote (file://, ssh://, git@host:path, a path)'
            cand --encrypt 'Encrypt the new scope to this device''s identity (add members with `mem scope recipients NAME add KEY`). The `user` scope always is; a scope cloned from a remote keeps the remote''s policy'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mem;scope;remote'= {
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mem;scope;recipients'= {
            cand -h 'Print help'
            cand --help 'Print help'
            cand list 'List the recipients with their names'
            cand add 'Add a recipient (an `age1…` key from `mem key show`, or an SSH public key) and re-encrypt the scope to it'
            cand accept 'Accept the recipient list the remote holds, when `mem sync` refused it but you made that change yourself on another device: the scope is re-encrypted to it under a fresh scope key'
            cand rm 'Remove a recipient (by key or name) and re-encrypt the scope without it. It can still read the old history: rotate secrets it held'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mem;scope;recipients;list'= {
            cand --json 'Print as JSON'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mem;scope;recipients;add'= {
            cand --name 'Who or which device it is, kept beside the key'
            cand --json 'Print the result as JSON'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mem;scope;recipients;accept'= {
            cand --json 'Print the result as JSON'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mem;scope;recipients;rm'= {
            cand --json 'Print the result as JSON'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mem;scope;recipients;help'= {
            cand list 'List the recipients with their names'
            cand add 'Add a recipient (an `age1…` key from `mem key show`, or an SSH public key) and re-encrypt the scope to it'
            cand accept 'Accept the recipient list the remote holds, when `mem sync` refused it but you made that change yourself on another device: the scope is re-encrypted to it under a fresh scope key'
            cand rm 'Remove a recipient (by key or name) and re-encrypt the scope without it. It can still read the old history: rotate secrets it held'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mem;scope;recipients;help;list'= {
        }
        &'mem;scope;recipients;help;add'= {
        }
        &'mem;scope;recipients;help;accept'= {
        }
        &'mem;scope;recipients;help;rm'= {
        }
        &'mem;scope;recipients;help;help'= {
        }
        &'mem;scope;rekey'= {
            cand --fresh 'Start the scope''s history afresh with the re-encrypted state (a new root commit that also replaces the remote''s history), so earlier plaintext is no longer in what is shared. Other devices must add the scope again'
            cand --json 'Print the result as JSON'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mem;scope;help'= {
            cand list 'List scopes with their remotes'
            cand add 'Add a scope: team/<id> (or local, user). With --remote, clone it: an existing remote''s observations arrive at once; an empty remote is filled by the next `mem sync`'
            cand remote 'Set a scope''s git remote; the next `mem sync` merges both histories'
            cand recipients 'List, add or remove the age recipients of an encrypted scope. Adding or removing re-encrypts the whole scope to the new list in one commit'
            cand rekey 'Re-encrypt every file of a scope to its recipients in one commit'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mem;scope;help;list'= {
        }
        &'mem;scope;help;add'= {
        }
        &'mem;scope;help;remote'= {
        }
        &'mem;scope;help;recipients'= {
            cand list 'List the recipients with their names'
            cand add 'Add a recipient (an `age1…` key from `mem key show`, or an SSH public key) and re-encrypt the scope to it'
            cand accept 'Accept the recipient list the remote holds, when `mem sync` refused it but you made that change yourself on another device: the scope is re-encrypted to it under a fresh scope key'
            cand rm 'Remove a recipient (by key or name) and re-encrypt the scope without it. It can still read the old history: rotate secrets it held'
        }
        &'mem;scope;help;recipients;list'= {
        }
        &'mem;scope;help;recipients;add'= {
        }
        &'mem;scope;help;recipients;accept'= {
        }
        &'mem;scope;help;recipients;rm'= {
        }
        &'mem;scope;help;rekey'= {
        }
        &'mem;scope;help;help'= {
        }
        &'mem;key'= {
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand init 'Create an age identity (never overwrites one) and print its recipient'
            cand show 'Print this device''s public recipient, to share'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mem;key;init'= {
            cand --json 'Print as JSON'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mem;key;show'= {
            cand --json 'Print as JSON'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mem;key;help'= {
            cand init 'Create an age identity (never overwrites one) and print its recipient'
            cand show 'Print this device''s public recipient, to share'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mem;key;help;init'= {
        }
        &'mem;key;help;show'= {
        }
        &'mem;key;help;help'= {
        }
        &'mem;hook'= {
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand install 'Add mem''s hooks (installing twice changes nothing)'
            cand uninstall 'Remove only what `install` added'
            cand run 'What installed hooks call: read the client''s payload on stdin and answer on stdout. Never fails: errors go to `<data dir>/logs/hooks.log`'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mem;hook;install'= {
            cand --client 'Which client''s hooks'
            cand --project 'The project''s settings (in the repository you are in) instead of the user''s'
            cand --mcp 'Also register `mem mcp` as the client''s MCP server (install); uninstall always removes it'
            cand --trust 'Gemini: register `mem mcp` as a trusted MCP server (implies --mcp). Gemini CLI asks before each tool call of an untrusted server and hides its tools in headless `gemini -p` runs'
            cand --dry-run 'Print the change as a diff without writing it'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mem;hook;uninstall'= {
            cand --client 'Which client''s hooks'
            cand --project 'The project''s settings (in the repository you are in) instead of the user''s'
            cand --mcp 'Also register `mem mcp` as the client''s MCP server (install); uninstall always removes it'
            cand --trust 'Gemini: register `mem mcp` as a trusted MCP server (implies --mcp). Gemini CLI asks before each tool call of an untrusted server and hides its tools in headless `gemini -p` runs'
            cand --dry-run 'Print the change as a diff without writing it'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mem;hook;run'= {
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mem;hook;help'= {
            cand install 'Add mem''s hooks (installing twice changes nothing)'
            cand uninstall 'Remove only what `install` added'
            cand run 'What installed hooks call: read the client''s payload on stdin and answer on stdout. Never fails: errors go to `<data dir>/logs/hooks.log`'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mem;hook;help;install'= {
        }
        &'mem;hook;help;uninstall'= {
        }
        &'mem;hook;help;run'= {
        }
        &'mem;hook;help;help'= {
        }
        &'mem;mcp'= {
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mem;watch'= {
            cand --sync-after 'Sync this many seconds after the last local change'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mem;generate-docs'= {
            cand --out 'Directory to write `man/` and `completions/` into'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'mem;help'= {
            cand init 'Set up config, this device''s identity and the `local` and `user` scopes'
            cand save 'Save an observation'
            cand search 'Search observations (FTS5, ranked by bm25)'
            cand get 'Show one observation in full, by id or unique prefix (6+ hex characters)'
            cand list 'List observations, newest first'
            cand log 'Show history: the commits of every scope, or the versions of one observation'
            cand edit 'Edit an observation in $VISUAL or $EDITOR; the result is saved as a new observation that supersedes the old one'
            cand delete 'Delete an observation by writing a tombstone (who, when, why)'
            cand reindex 'Rebuild the search index from every scope'
            cand model 'Show or change the embedding model of hybrid search'
            cand gc 'Repack every scope, drop what no longer needs keeping, and clear out finished agent sessions'
            cand doctor 'Check the setup and say what needs doing'
            cand stats 'Count observations per scope, kind and project, and show disk use'
            cand export 'Write observations out: JSON lines (to stdout or a file) or Markdown files (one per observation, into a directory)'
            cand import 'Import observations from another source'
            cand sync 'Push and pull scopes to and from their git remotes'
            cand conflicts 'List, show and resolve merge records: concurrent edits that `mem sync` found (two edits of one observation, two observations with one key, an edit of a deleted observation). Exits 3 while any is unresolved'
            cand send 'Send a handoff message to another agent, device, session or user'
            cand inbox 'Show the handoff messages addressed to you'
            cand ack 'Acknowledge a handoff message: it leaves every recipient''s inbox'
            cand context 'Print the block an agent''s session-start hook injects'
            cand scope 'List scopes, add one, point one at a git remote, or manage encryption'
            cand key 'Create or show this device''s identity for encrypted scopes'
            cand hook 'Install or remove the hooks that run mem for you'
            cand mcp 'Serve mem to an agent over MCP (stdio)'
            cand watch 'Keep the index in step with the scopes, and sync after local changes'
            cand generate-docs 'Render man pages and completions'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mem;help;init'= {
        }
        &'mem;help;save'= {
        }
        &'mem;help;search'= {
        }
        &'mem;help;get'= {
        }
        &'mem;help;list'= {
        }
        &'mem;help;log'= {
        }
        &'mem;help;edit'= {
        }
        &'mem;help;delete'= {
        }
        &'mem;help;reindex'= {
        }
        &'mem;help;model'= {
            cand show 'Show the search mode and the model in use'
            cand set 'Use the Model2Vec model in a local directory and compute every observation''s vector with it'
            cand download 'Download a Model2Vec model from Hugging Face and use it'
            cand off 'Stop using the model: search by words only'
        }
        &'mem;help;model;show'= {
        }
        &'mem;help;model;set'= {
        }
        &'mem;help;model;download'= {
        }
        &'mem;help;model;off'= {
        }
        &'mem;help;gc'= {
        }
        &'mem;help;doctor'= {
        }
        &'mem;help;stats'= {
        }
        &'mem;help;export'= {
        }
        &'mem;help;import'= {
        }
        &'mem;help;sync'= {
        }
        &'mem;help;conflicts'= {
            cand list 'List merge records (unresolved ones unless --all)'
            cand show 'Show a record: every competing version and a diff of the first two'
            cand resolve 'Resolve a record with one commit, which syncs like any other'
        }
        &'mem;help;conflicts;list'= {
        }
        &'mem;help;conflicts;show'= {
        }
        &'mem;help;conflicts;resolve'= {
        }
        &'mem;help;send'= {
        }
        &'mem;help;inbox'= {
        }
        &'mem;help;ack'= {
        }
        &'mem;help;context'= {
        }
        &'mem;help;scope'= {
            cand list 'List scopes with their remotes'
            cand add 'Add a scope: team/<id> (or local, user). With --remote, clone it: an existing remote''s observations arrive at once; an empty remote is filled by the next `mem sync`'
            cand remote 'Set a scope''s git remote; the next `mem sync` merges both histories'
            cand recipients 'List, add or remove the age recipients of an encrypted scope. Adding or removing re-encrypts the whole scope to the new list in one commit'
            cand rekey 'Re-encrypt every file of a scope to its recipients in one commit'
        }
        &'mem;help;scope;list'= {
        }
        &'mem;help;scope;add'= {
        }
        &'mem;help;scope;remote'= {
        }
        &'mem;help;scope;recipients'= {
            cand list 'List the recipients with their names'
            cand add 'Add a recipient (an `age1…` key from `mem key show`, or an SSH public key) and re-encrypt the scope to it'
            cand accept 'Accept the recipient list the remote holds, when `mem sync` refused it but you made that change yourself on another device: the scope is re-encrypted to it under a fresh scope key'
            cand rm 'Remove a recipient (by key or name) and re-encrypt the scope without it. It can still read the old history: rotate secrets it held'
        }
        &'mem;help;scope;recipients;list'= {
        }
        &'mem;help;scope;recipients;add'= {
        }
        &'mem;help;scope;recipients;accept'= {
        }
        &'mem;help;scope;recipients;rm'= {
        }
        &'mem;help;scope;rekey'= {
        }
        &'mem;help;key'= {
            cand init 'Create an age identity (never overwrites one) and print its recipient'
            cand show 'Print this device''s public recipient, to share'
        }
        &'mem;help;key;init'= {
        }
        &'mem;help;key;show'= {
        }
        &'mem;help;hook'= {
            cand install 'Add mem''s hooks (installing twice changes nothing)'
            cand uninstall 'Remove only what `install` added'
            cand run 'What installed hooks call: read the client''s payload on stdin and answer on stdout. Never fails: errors go to `<data dir>/logs/hooks.log`'
        }
        &'mem;help;hook;install'= {
        }
        &'mem;help;hook;uninstall'= {
        }
        &'mem;help;hook;run'= {
        }
        &'mem;help;mcp'= {
        }
        &'mem;help;watch'= {
        }
        &'mem;help;generate-docs'= {
        }
        &'mem;help;help'= {
        }
    ]
    $completions[$command]
}
