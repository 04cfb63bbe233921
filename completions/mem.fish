# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_mem_global_optspecs
    string join \n h/help V/version
end

function __fish_mem_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_mem_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_mem_using_subcommand
    set -l cmd (__fish_mem_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c mem -n "__fish_mem_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mem -n "__fish_mem_needs_command" -s V -l version -d 'Print version'
complete -c mem -n "__fish_mem_needs_command" -f -a "init" -d 'Set up config, this device\'s identity and the `local` and `user` scopes'
complete -c mem -n "__fish_mem_needs_command" -f -a "save" -d 'Save an observation'
complete -c mem -n "__fish_mem_needs_command" -f -a "search" -d 'Search observations (FTS5, ranked by bm25)'
complete -c mem -n "__fish_mem_needs_command" -f -a "get" -d 'Show one observation in full, by id or unique prefix (6+ hex characters)'
complete -c mem -n "__fish_mem_needs_command" -f -a "list" -d 'List observations, newest first'
complete -c mem -n "__fish_mem_needs_command" -f -a "log" -d 'Show history: the commits of every scope, or the versions of one observation'
complete -c mem -n "__fish_mem_needs_command" -f -a "edit" -d 'Edit an observation in $VISUAL or $EDITOR; the result is saved as a new observation that supersedes the old one'
complete -c mem -n "__fish_mem_needs_command" -f -a "delete" -d 'Delete an observation by writing a tombstone (who, when, why)'
complete -c mem -n "__fish_mem_needs_command" -f -a "reindex" -d 'Rebuild the search index from every scope'
complete -c mem -n "__fish_mem_needs_command" -f -a "model" -d 'Show or change the embedding model of hybrid search'
complete -c mem -n "__fish_mem_needs_command" -f -a "gc" -d 'Repack every scope, drop what no longer needs keeping, and clear out finished agent sessions'
complete -c mem -n "__fish_mem_needs_command" -f -a "doctor" -d 'Check the setup and say what needs doing'
complete -c mem -n "__fish_mem_needs_command" -f -a "stats" -d 'Count observations per scope, kind and project, and show disk use'
complete -c mem -n "__fish_mem_needs_command" -f -a "export" -d 'Write observations out: JSON lines (to stdout or a file) or Markdown files (one per observation, into a directory)'
complete -c mem -n "__fish_mem_needs_command" -f -a "import" -d 'Import observations from another source'
complete -c mem -n "__fish_mem_needs_command" -f -a "sync" -d 'Push and pull scopes to and from their git remotes'
complete -c mem -n "__fish_mem_needs_command" -f -a "conflicts" -d 'List, show and resolve merge records: concurrent edits that `mem sync` found (two edits of one observation, two observations with one key, an edit of a deleted observation). Exits 3 while any is unresolved'
complete -c mem -n "__fish_mem_needs_command" -f -a "send" -d 'Send a handoff message to another agent, device, session or user'
complete -c mem -n "__fish_mem_needs_command" -f -a "inbox" -d 'Show the handoff messages addressed to you'
complete -c mem -n "__fish_mem_needs_command" -f -a "ack" -d 'Acknowledge a handoff message: it leaves every recipient\'s inbox'
complete -c mem -n "__fish_mem_needs_command" -f -a "context" -d 'Print the block an agent\'s session-start hook injects'
complete -c mem -n "__fish_mem_needs_command" -f -a "scope" -d 'List scopes, add one, point one at a git remote, or manage encryption'
complete -c mem -n "__fish_mem_needs_command" -f -a "key" -d 'Create or show this device\'s identity for encrypted scopes'
complete -c mem -n "__fish_mem_needs_command" -f -a "hook" -d 'Install or remove the hooks that run mem for you'
complete -c mem -n "__fish_mem_needs_command" -f -a "mcp" -d 'Serve mem to an agent over MCP (stdio)'
complete -c mem -n "__fish_mem_needs_command" -f -a "watch" -d 'Keep the index in step with the scopes, and sync after local changes'
complete -c mem -n "__fish_mem_needs_command" -f -a "generate-docs" -d 'Render man pages and completions'
complete -c mem -n "__fish_mem_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mem -n "__fish_mem_using_subcommand init" -l remote -d 'A git remote for the user scope: an existing one is cloned (a new device joining), an empty one is filled by `mem sync`' -r
complete -c mem -n "__fish_mem_using_subcommand init" -l encrypt -d 'Encrypt the `local` scope too (the `user` scope always is)'
complete -c mem -n "__fish_mem_using_subcommand init" -l json -d 'Print the result as JSON'
complete -c mem -n "__fish_mem_using_subcommand init" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mem -n "__fish_mem_using_subcommand save" -s t -l title -d 'Title (default: the first line of the text)' -r
complete -c mem -n "__fish_mem_using_subcommand save" -l summary -d 'One-line summary shown in results' -r
complete -c mem -n "__fish_mem_using_subcommand save" -s k -l kind -d 'Kind: note, decision, bug, pattern, config, summary, feature, discovery, reference, session, handoff' -r
complete -c mem -n "__fish_mem_using_subcommand save" -l tag -d 'Tag (repeatable)' -r
complete -c mem -n "__fish_mem_using_subcommand save" -l key -d 'Topic key: the new observation supersedes the live one with this key' -r
complete -c mem -n "__fish_mem_using_subcommand save" -s s -l scope -d 'Scope to save into (default: default_scope from config, normally user)' -r
complete -c mem -n "__fish_mem_using_subcommand save" -l project -d 'Project (default: the normalised origin URL of the current git repository)' -r
complete -c mem -n "__fish_mem_using_subcommand save" -s i -l importance -d 'Importance from 1 (low) to 5 (high)' -r
complete -c mem -n "__fish_mem_using_subcommand save" -l file -d 'A file the memory is about (repeatable)' -r
complete -c mem -n "__fish_mem_using_subcommand save" -l supersedes -d 'Id (or unique prefix) of an observation this one replaces (repeatable)' -r
complete -c mem -n "__fish_mem_using_subcommand save" -l agent -d 'Agent saving it (claude-code, codex, gemini, …)' -r
complete -c mem -n "__fish_mem_using_subcommand save" -l session -d 'The agent\'s session id' -r
complete -c mem -n "__fish_mem_using_subcommand save" -l ttl -d 'Expire after this long: seconds (3600) or an age (90m, 12h, 7d, 2w)' -r
complete -c mem -n "__fish_mem_using_subcommand save" -l expires -d 'Expire at this instant: RFC 3339 (2026-12-01T09:00:00Z) or a date (midnight UTC)' -r
complete -c mem -n "__fish_mem_using_subcommand save" -l stdin -d 'Read the text from standard input (UTF-8)'
complete -c mem -n "__fish_mem_using_subcommand save" -l global -d 'Save without a project: relevant everywhere'
complete -c mem -n "__fish_mem_using_subcommand save" -l allow-secrets -d 'Save even if the text looks like it contains a secret'
complete -c mem -n "__fish_mem_using_subcommand save" -l json -d 'Print the result as JSON'
complete -c mem -n "__fish_mem_using_subcommand save" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mem -n "__fish_mem_using_subcommand search" -s s -l scope -d 'Only this scope (repeatable)' -r
complete -c mem -n "__fish_mem_using_subcommand search" -s k -l kind -d 'Only this kind' -r
complete -c mem -n "__fish_mem_using_subcommand search" -l tag -d 'Only observations with this tag' -r
complete -c mem -n "__fish_mem_using_subcommand search" -l project -d 'This project (plus project-less observations) instead of the current one' -r
complete -c mem -n "__fish_mem_using_subcommand search" -l since -d 'Only observations created since: 2026-11-01, 2026-11-01T09:30:00Z, 7d, 12h, 2w' -r
complete -c mem -n "__fish_mem_using_subcommand search" -s n -l limit -d 'At most this many results (default: limit from config, normally 10)' -r
complete -c mem -n "__fish_mem_using_subcommand search" -l all-projects -d 'Every project'
complete -c mem -n "__fish_mem_using_subcommand search" -l all -d 'Include superseded, deleted and expired observations'
complete -c mem -n "__fish_mem_using_subcommand search" -l json -d 'Print results as a JSON array'
complete -c mem -n "__fish_mem_using_subcommand search" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mem -n "__fish_mem_using_subcommand get" -l json -d 'Print as a JSON object'
complete -c mem -n "__fish_mem_using_subcommand get" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mem -n "__fish_mem_using_subcommand list" -s s -l scope -d 'Only this scope (repeatable)' -r
complete -c mem -n "__fish_mem_using_subcommand list" -s k -l kind -d 'Only this kind' -r
complete -c mem -n "__fish_mem_using_subcommand list" -l tag -d 'Only observations with this tag' -r
complete -c mem -n "__fish_mem_using_subcommand list" -l project -d 'This project (plus project-less observations) instead of the current one' -r
complete -c mem -n "__fish_mem_using_subcommand list" -l since -d 'Only observations created since: 2026-11-01, 2026-11-01T09:30:00Z, 7d, 12h, 2w' -r
complete -c mem -n "__fish_mem_using_subcommand list" -s n -l limit -d 'At most this many results (default: limit from config, normally 10)' -r
complete -c mem -n "__fish_mem_using_subcommand list" -l all-projects -d 'Every project'
complete -c mem -n "__fish_mem_using_subcommand list" -l all -d 'Include superseded, deleted and expired observations'
complete -c mem -n "__fish_mem_using_subcommand list" -l json -d 'Print results as a JSON array'
complete -c mem -n "__fish_mem_using_subcommand list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mem -n "__fish_mem_using_subcommand log" -s n -l limit -d 'At most this many commits' -r
complete -c mem -n "__fish_mem_using_subcommand log" -l json -d 'Print as JSON'
complete -c mem -n "__fish_mem_using_subcommand log" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mem -n "__fish_mem_using_subcommand edit" -l allow-secrets -d 'Save even if the text looks like it contains a secret'
complete -c mem -n "__fish_mem_using_subcommand edit" -l json -d 'Print the result as JSON'
complete -c mem -n "__fish_mem_using_subcommand edit" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mem -n "__fish_mem_using_subcommand delete" -s r -l reason -d 'Why it is deleted (kept in the tombstone)' -r
complete -c mem -n "__fish_mem_using_subcommand delete" -s s -l scope -d 'Delete only from this scope (default: every scope holding it)' -r
complete -c mem -n "__fish_mem_using_subcommand delete" -l json -d 'Print the result as JSON'
complete -c mem -n "__fish_mem_using_subcommand delete" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mem -n "__fish_mem_using_subcommand reindex" -l json -d 'Print the result as JSON'
complete -c mem -n "__fish_mem_using_subcommand reindex" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mem -n "__fish_mem_using_subcommand model; and not __fish_seen_subcommand_from show set download off help" -l json -d 'Print the result as JSON'
complete -c mem -n "__fish_mem_using_subcommand model; and not __fish_seen_subcommand_from show set download off help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mem -n "__fish_mem_using_subcommand model; and not __fish_seen_subcommand_from show set download off help" -f -a "show" -d 'Show the search mode and the model in use'
complete -c mem -n "__fish_mem_using_subcommand model; and not __fish_seen_subcommand_from show set download off help" -f -a "set" -d 'Use the Model2Vec model in a local directory and compute every observation\'s vector with it'
complete -c mem -n "__fish_mem_using_subcommand model; and not __fish_seen_subcommand_from show set download off help" -f -a "download" -d 'Download a Model2Vec model from Hugging Face and use it'
complete -c mem -n "__fish_mem_using_subcommand model; and not __fish_seen_subcommand_from show set download off help" -f -a "off" -d 'Stop using the model: search by words only'
complete -c mem -n "__fish_mem_using_subcommand model; and not __fish_seen_subcommand_from show set download off help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mem -n "__fish_mem_using_subcommand model; and __fish_seen_subcommand_from show" -l json -d 'Print the result as JSON'
complete -c mem -n "__fish_mem_using_subcommand model; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c mem -n "__fish_mem_using_subcommand model; and __fish_seen_subcommand_from set" -l json -d 'Print the result as JSON'
complete -c mem -n "__fish_mem_using_subcommand model; and __fish_seen_subcommand_from set" -s h -l help -d 'Print help'
complete -c mem -n "__fish_mem_using_subcommand model; and __fish_seen_subcommand_from download" -l from -d 'Fetch from this base URL instead of https://huggingface.co (files at URL/NAME/resolve/main/FILE)' -r
complete -c mem -n "__fish_mem_using_subcommand model; and __fish_seen_subcommand_from download" -l json -d 'Print the result as JSON'
complete -c mem -n "__fish_mem_using_subcommand model; and __fish_seen_subcommand_from download" -s h -l help -d 'Print help'
complete -c mem -n "__fish_mem_using_subcommand model; and __fish_seen_subcommand_from off" -l json -d 'Print the result as JSON'
complete -c mem -n "__fish_mem_using_subcommand model; and __fish_seen_subcommand_from off" -s h -l help -d 'Print help'
complete -c mem -n "__fish_mem_using_subcommand model; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show the search mode and the model in use'
complete -c mem -n "__fish_mem_using_subcommand model; and __fish_seen_subcommand_from help" -f -a "set" -d 'Use the Model2Vec model in a local directory and compute every observation\'s vector with it'
complete -c mem -n "__fish_mem_using_subcommand model; and __fish_seen_subcommand_from help" -f -a "download" -d 'Download a Model2Vec model from Hugging Face and use it'
complete -c mem -n "__fish_mem_using_subcommand model; and __fish_seen_subcommand_from help" -f -a "off" -d 'Stop using the model: search by words only'
complete -c mem -n "__fish_mem_using_subcommand model; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mem -n "__fish_mem_using_subcommand gc" -l retention-days -d 'Remove deleted observations and their tombstones once the deletion is this many days old (expired ones once they expired this long ago)' -r
complete -c mem -n "__fish_mem_using_subcommand gc" -l idle-hours -d 'Fold spools of sessions idle for this many hours' -r
complete -c mem -n "__fish_mem_using_subcommand gc" -l json -d 'Print the result as JSON'
complete -c mem -n "__fish_mem_using_subcommand gc" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mem -n "__fish_mem_using_subcommand doctor" -l json -d 'Print the report as JSON'
complete -c mem -n "__fish_mem_using_subcommand doctor" -l fix -d 'Run the repairs doctor can make by itself (fetch what a scope lost from its remote), then check again'
complete -c mem -n "__fish_mem_using_subcommand doctor" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mem -n "__fish_mem_using_subcommand stats" -l json -d 'Print as JSON'
complete -c mem -n "__fish_mem_using_subcommand stats" -s h -l help -d 'Print help'
complete -c mem -n "__fish_mem_using_subcommand export" -l format -d 'Output format' -r -f -a "jsonl\t'One JSON object per line'
markdown\t'Markdown files with front matter: DIR/<scope>/obs/YYYY/MM/DD/<id>.md'"
complete -c mem -n "__fish_mem_using_subcommand export" -s o -l output -d 'File (jsonl; default stdout) or directory (markdown; required)' -r -F
complete -c mem -n "__fish_mem_using_subcommand export" -s s -l scope -d 'Only this scope (repeatable)' -r
complete -c mem -n "__fish_mem_using_subcommand export" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mem -n "__fish_mem_using_subcommand import" -l from -d 'Source format' -r -f -a "jsonl\t'JSON lines, as written by `mem export --format jsonl`'
kioku-mesh\t'A kioku-mesh store (--mode local): its raw.db, or the directory holding local/raw.db'
claude-mem\t'claude-mem\'s database: claude-mem.db, or the directory holding it (~/.claude-mem)'"
complete -c mem -n "__fish_mem_using_subcommand import" -s s -l scope -d 'Scope to import into (default: each record\'s scope, else default_scope)' -r
complete -c mem -n "__fish_mem_using_subcommand import" -l allow-secrets -d 'Import even if a record looks like it contains a secret'
complete -c mem -n "__fish_mem_using_subcommand import" -l json -d 'Print the counts as JSON'
complete -c mem -n "__fish_mem_using_subcommand import" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mem -n "__fish_mem_using_subcommand sync" -s s -l scope -d 'Only this scope (repeatable)' -r
complete -c mem -n "__fish_mem_using_subcommand sync" -s q -l quiet -d 'Print nothing but errors'
complete -c mem -n "__fish_mem_using_subcommand sync" -l json -d 'Print per-scope results as JSON'
complete -c mem -n "__fish_mem_using_subcommand sync" -s v -l verbose -d 'With a failure, also print the underlying message (git\'s or the server\'s; passwords removed)'
complete -c mem -n "__fish_mem_using_subcommand sync" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mem -n "__fish_mem_using_subcommand conflicts; and not __fish_seen_subcommand_from list show resolve help" -l json -d 'Print as JSON'
complete -c mem -n "__fish_mem_using_subcommand conflicts; and not __fish_seen_subcommand_from list show resolve help" -s h -l help -d 'Print help'
complete -c mem -n "__fish_mem_using_subcommand conflicts; and not __fish_seen_subcommand_from list show resolve help" -f -a "list" -d 'List merge records (unresolved ones unless --all)'
complete -c mem -n "__fish_mem_using_subcommand conflicts; and not __fish_seen_subcommand_from list show resolve help" -f -a "show" -d 'Show a record: every competing version and a diff of the first two'
complete -c mem -n "__fish_mem_using_subcommand conflicts; and not __fish_seen_subcommand_from list show resolve help" -f -a "resolve" -d 'Resolve a record with one commit, which syncs like any other'
complete -c mem -n "__fish_mem_using_subcommand conflicts; and not __fish_seen_subcommand_from list show resolve help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mem -n "__fish_mem_using_subcommand conflicts; and __fish_seen_subcommand_from list" -l all -d 'Resolved records too'
complete -c mem -n "__fish_mem_using_subcommand conflicts; and __fish_seen_subcommand_from list" -l json -d 'Print as JSON'
complete -c mem -n "__fish_mem_using_subcommand conflicts; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c mem -n "__fish_mem_using_subcommand conflicts; and __fish_seen_subcommand_from show" -l json -d 'Print as JSON'
complete -c mem -n "__fish_mem_using_subcommand conflicts; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c mem -n "__fish_mem_using_subcommand conflicts; and __fish_seen_subcommand_from resolve" -l keep -d 'Keep this competitor; the others are deleted (tombstones)' -r
complete -c mem -n "__fish_mem_using_subcommand conflicts; and __fish_seen_subcommand_from resolve" -l merge-command -d 'Pipe all versions to CMD (run with sh -c); its output, as Markdown, is saved superseding them all' -r
complete -c mem -n "__fish_mem_using_subcommand conflicts; and __fish_seen_subcommand_from resolve" -l keep-all -d 'Keep every competitor'
complete -c mem -n "__fish_mem_using_subcommand conflicts; and __fish_seen_subcommand_from resolve" -l edit -d 'Edit a merge of all versions in $VISUAL/$EDITOR; the result supersedes them all'
complete -c mem -n "__fish_mem_using_subcommand conflicts; and __fish_seen_subcommand_from resolve" -s h -l help -d 'Print help'
complete -c mem -n "__fish_mem_using_subcommand conflicts; and __fish_seen_subcommand_from help" -f -a "list" -d 'List merge records (unresolved ones unless --all)'
complete -c mem -n "__fish_mem_using_subcommand conflicts; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show a record: every competing version and a diff of the first two'
complete -c mem -n "__fish_mem_using_subcommand conflicts; and __fish_seen_subcommand_from help" -f -a "resolve" -d 'Resolve a record with one commit, which syncs like any other'
complete -c mem -n "__fish_mem_using_subcommand conflicts; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mem -n "__fish_mem_using_subcommand send" -l to -d 'Who it is for: user:NAME, agent:FAMILY (claude-code, codex, …), device:NAME or session:ID' -r
complete -c mem -n "__fish_mem_using_subcommand send" -l ttl -d 'Deliver for this long: seconds (3600) or an age (90m, 12h, 7d, 2w); default 7d' -r
complete -c mem -n "__fish_mem_using_subcommand send" -l subject -d 'One-line subject' -r
complete -c mem -n "__fish_mem_using_subcommand send" -s s -l scope -d 'Scope to send through (default: default_scope from config, normally user)' -r
complete -c mem -n "__fish_mem_using_subcommand send" -l agent -d 'Agent sending it (claude-code, codex, gemini, …)' -r
complete -c mem -n "__fish_mem_using_subcommand send" -l session -d 'The sending agent\'s session id' -r
complete -c mem -n "__fish_mem_using_subcommand send" -l requires-ack -d 'Ask the recipient to acknowledge it'
complete -c mem -n "__fish_mem_using_subcommand send" -l json -d 'Print the result as JSON'
complete -c mem -n "__fish_mem_using_subcommand send" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mem -n "__fish_mem_using_subcommand inbox" -l agent -d 'The agent family reading (claude-code, codex, …)' -r
complete -c mem -n "__fish_mem_using_subcommand inbox" -l session -d 'The reading agent\'s session id' -r
complete -c mem -n "__fish_mem_using_subcommand inbox" -l all -d 'Also show acknowledged and expired messages'
complete -c mem -n "__fish_mem_using_subcommand inbox" -l json -d 'Print the messages as a JSON array'
complete -c mem -n "__fish_mem_using_subcommand inbox" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mem -n "__fish_mem_using_subcommand ack" -l agent -d 'The agent family acknowledging (claude-code, codex, …)' -r
complete -c mem -n "__fish_mem_using_subcommand ack" -l session -d 'The acknowledging agent\'s session id' -r
complete -c mem -n "__fish_mem_using_subcommand ack" -l json -d 'Print the result as JSON'
complete -c mem -n "__fish_mem_using_subcommand ack" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mem -n "__fish_mem_using_subcommand context" -l project -d 'The project (default: the normalised origin URL of the cwd\'s repository)' -r
complete -c mem -n "__fish_mem_using_subcommand context" -l budget -d 'At most this many characters' -r
complete -c mem -n "__fish_mem_using_subcommand context" -s q -l query -d 'Rank memories matching these words higher' -r
complete -c mem -n "__fish_mem_using_subcommand context" -l agent -d 'The agent family reading (claude-code, codex, …): its messages come first too' -r
complete -c mem -n "__fish_mem_using_subcommand context" -l session -d 'The reading agent\'s session id' -r
complete -c mem -n "__fish_mem_using_subcommand context" -l json -d 'Print the block and its parts as JSON'
complete -c mem -n "__fish_mem_using_subcommand context" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mem -n "__fish_mem_using_subcommand scope; and not __fish_seen_subcommand_from list add remote recipients rekey help" -s h -l help -d 'Print help'
complete -c mem -n "__fish_mem_using_subcommand scope; and not __fish_seen_subcommand_from list add remote recipients rekey help" -f -a "list" -d 'List scopes with their remotes'
complete -c mem -n "__fish_mem_using_subcommand scope; and not __fish_seen_subcommand_from list add remote recipients rekey help" -f -a "add" -d 'Add a scope: team/<id> (or local, user). With --remote, clone it: an existing remote\'s observations arrive at once; an empty remote is filled by the next `mem sync`'
complete -c mem -n "__fish_mem_using_subcommand scope; and not __fish_seen_subcommand_from list add remote recipients rekey help" -f -a "remote" -d 'Set a scope\'s git remote; the next `mem sync` merges both histories'
complete -c mem -n "__fish_mem_using_subcommand scope; and not __fish_seen_subcommand_from list add remote recipients rekey help" -f -a "recipients" -d 'List, add or remove the age recipients of an encrypted scope. Adding or removing re-encrypts the whole scope to the new list in one commit'
complete -c mem -n "__fish_mem_using_subcommand scope; and not __fish_seen_subcommand_from list add remote recipients rekey help" -f -a "rekey" -d 'Re-encrypt every file of a scope to its recipients in one commit'
complete -c mem -n "__fish_mem_using_subcommand scope; and not __fish_seen_subcommand_from list add remote recipients rekey help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mem -n "__fish_mem_using_subcommand scope; and __fish_seen_subcommand_from list" -l json -d 'Print as JSON'
complete -c mem -n "__fish_mem_using_subcommand scope; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c mem -n "__fish_mem_using_subcommand scope; and __fish_seen_subcommand_from add" -l remote -d 'The scope\'s git remote (file://, ssh://, git@host:path, a path)' -r
complete -c mem -n "__fish_mem_using_subcommand scope; and __fish_seen_subcommand_from add" -l encrypt -d 'Encrypt the new scope to this device\'s identity (add members with `mem scope recipients NAME add KEY`). The `user` scope always is; a scope cloned from a remote keeps the remote\'s policy'
complete -c mem -n "__fish_mem_using_subcommand scope; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help'
complete -c mem -n "__fish_mem_using_subcommand scope; and __fish_seen_subcommand_from remote" -s h -l help -d 'Print help'
complete -c mem -n "__fish_mem_using_subcommand scope; and __fish_seen_subcommand_from recipients" -s h -l help -d 'Print help'
complete -c mem -n "__fish_mem_using_subcommand scope; and __fish_seen_subcommand_from recipients" -a "list" -d 'List the recipients with their names'
complete -c mem -n "__fish_mem_using_subcommand scope; and __fish_seen_subcommand_from recipients" -a "add" -d 'Add a recipient (an `age1…` key from `mem key show`, or an SSH public key) and re-encrypt the scope to it'
complete -c mem -n "__fish_mem_using_subcommand scope; and __fish_seen_subcommand_from recipients" -a "accept" -d 'Accept the recipient list the remote holds, when `mem sync` refused it but you made that change yourself on another device: the scope is re-encrypted to it under a fresh scope key'
complete -c mem -n "__fish_mem_using_subcommand scope; and __fish_seen_subcommand_from recipients" -a "rm" -d 'Remove a recipient (by key or name) and re-encrypt the scope without it. It can still read the old history: rotate secrets it held'
complete -c mem -n "__fish_mem_using_subcommand scope; and __fish_seen_subcommand_from recipients" -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mem -n "__fish_mem_using_subcommand scope; and __fish_seen_subcommand_from rekey" -l fresh -d 'Start the scope\'s history afresh with the re-encrypted state (a new root commit that also replaces the remote\'s history), so earlier plaintext is no longer in what is shared. Other devices must add the scope again'
complete -c mem -n "__fish_mem_using_subcommand scope; and __fish_seen_subcommand_from rekey" -l json -d 'Print the result as JSON'
complete -c mem -n "__fish_mem_using_subcommand scope; and __fish_seen_subcommand_from rekey" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mem -n "__fish_mem_using_subcommand scope; and __fish_seen_subcommand_from help" -f -a "list" -d 'List scopes with their remotes'
complete -c mem -n "__fish_mem_using_subcommand scope; and __fish_seen_subcommand_from help" -f -a "add" -d 'Add a scope: team/<id> (or local, user). With --remote, clone it: an existing remote\'s observations arrive at once; an empty remote is filled by the next `mem sync`'
complete -c mem -n "__fish_mem_using_subcommand scope; and __fish_seen_subcommand_from help" -f -a "remote" -d 'Set a scope\'s git remote; the next `mem sync` merges both histories'
complete -c mem -n "__fish_mem_using_subcommand scope; and __fish_seen_subcommand_from help" -f -a "recipients" -d 'List, add or remove the age recipients of an encrypted scope. Adding or removing re-encrypts the whole scope to the new list in one commit'
complete -c mem -n "__fish_mem_using_subcommand scope; and __fish_seen_subcommand_from help" -f -a "rekey" -d 'Re-encrypt every file of a scope to its recipients in one commit'
complete -c mem -n "__fish_mem_using_subcommand scope; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mem -n "__fish_mem_using_subcommand key; and not __fish_seen_subcommand_from init show help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mem -n "__fish_mem_using_subcommand key; and not __fish_seen_subcommand_from init show help" -f -a "init" -d 'Create an age identity (never overwrites one) and print its recipient'
complete -c mem -n "__fish_mem_using_subcommand key; and not __fish_seen_subcommand_from init show help" -f -a "show" -d 'Print this device\'s public recipient, to share'
complete -c mem -n "__fish_mem_using_subcommand key; and not __fish_seen_subcommand_from init show help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mem -n "__fish_mem_using_subcommand key; and __fish_seen_subcommand_from init" -l json -d 'Print as JSON'
complete -c mem -n "__fish_mem_using_subcommand key; and __fish_seen_subcommand_from init" -s h -l help -d 'Print help'
complete -c mem -n "__fish_mem_using_subcommand key; and __fish_seen_subcommand_from show" -l json -d 'Print as JSON'
complete -c mem -n "__fish_mem_using_subcommand key; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c mem -n "__fish_mem_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "init" -d 'Create an age identity (never overwrites one) and print its recipient'
complete -c mem -n "__fish_mem_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "show" -d 'Print this device\'s public recipient, to share'
complete -c mem -n "__fish_mem_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mem -n "__fish_mem_using_subcommand hook; and not __fish_seen_subcommand_from install uninstall run help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mem -n "__fish_mem_using_subcommand hook; and not __fish_seen_subcommand_from install uninstall run help" -f -a "install" -d 'Add mem\'s hooks (installing twice changes nothing)'
complete -c mem -n "__fish_mem_using_subcommand hook; and not __fish_seen_subcommand_from install uninstall run help" -f -a "uninstall" -d 'Remove only what `install` added'
complete -c mem -n "__fish_mem_using_subcommand hook; and not __fish_seen_subcommand_from install uninstall run help" -f -a "run" -d 'What installed hooks call: read the client\'s payload on stdin and answer on stdout. Never fails: errors go to `<data dir>/logs/hooks.log`'
complete -c mem -n "__fish_mem_using_subcommand hook; and not __fish_seen_subcommand_from install uninstall run help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mem -n "__fish_mem_using_subcommand hook; and __fish_seen_subcommand_from install" -l client -d 'Which client\'s hooks' -r -f -a "claude-code\t'Claude Code (~/.claude/settings.json; .claude/settings.json with --project)'
codex\t'Codex CLI (~/.codex/hooks.json; .codex/hooks.json with --project)'
gemini\t'Gemini CLI (~/.gemini/settings.json; .gemini/settings.json with --project)'
git-pre-push\t'The git pre-push hook of the repository you are in'"
complete -c mem -n "__fish_mem_using_subcommand hook; and __fish_seen_subcommand_from install" -l project -d 'The project\'s settings (in the repository you are in) instead of the user\'s'
complete -c mem -n "__fish_mem_using_subcommand hook; and __fish_seen_subcommand_from install" -l mcp -d 'Also register `mem mcp` as the client\'s MCP server (install); uninstall always removes it'
complete -c mem -n "__fish_mem_using_subcommand hook; and __fish_seen_subcommand_from install" -l trust -d 'Gemini: register `mem mcp` as a trusted MCP server (implies --mcp). Gemini CLI asks before each tool call of an untrusted server and hides its tools in headless `gemini -p` runs'
complete -c mem -n "__fish_mem_using_subcommand hook; and __fish_seen_subcommand_from install" -l dry-run -d 'Print the change as a diff without writing it'
complete -c mem -n "__fish_mem_using_subcommand hook; and __fish_seen_subcommand_from install" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mem -n "__fish_mem_using_subcommand hook; and __fish_seen_subcommand_from uninstall" -l client -d 'Which client\'s hooks' -r -f -a "claude-code\t'Claude Code (~/.claude/settings.json; .claude/settings.json with --project)'
codex\t'Codex CLI (~/.codex/hooks.json; .codex/hooks.json with --project)'
gemini\t'Gemini CLI (~/.gemini/settings.json; .gemini/settings.json with --project)'
git-pre-push\t'The git pre-push hook of the repository you are in'"
complete -c mem -n "__fish_mem_using_subcommand hook; and __fish_seen_subcommand_from uninstall" -l project -d 'The project\'s settings (in the repository you are in) instead of the user\'s'
complete -c mem -n "__fish_mem_using_subcommand hook; and __fish_seen_subcommand_from uninstall" -l mcp -d 'Also register `mem mcp` as the client\'s MCP server (install); uninstall always removes it'
complete -c mem -n "__fish_mem_using_subcommand hook; and __fish_seen_subcommand_from uninstall" -l trust -d 'Gemini: register `mem mcp` as a trusted MCP server (implies --mcp). Gemini CLI asks before each tool call of an untrusted server and hides its tools in headless `gemini -p` runs'
complete -c mem -n "__fish_mem_using_subcommand hook; and __fish_seen_subcommand_from uninstall" -l dry-run -d 'Print the change as a diff without writing it'
complete -c mem -n "__fish_mem_using_subcommand hook; and __fish_seen_subcommand_from uninstall" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mem -n "__fish_mem_using_subcommand hook; and __fish_seen_subcommand_from run" -s h -l help -d 'Print help'
complete -c mem -n "__fish_mem_using_subcommand hook; and __fish_seen_subcommand_from help" -f -a "install" -d 'Add mem\'s hooks (installing twice changes nothing)'
complete -c mem -n "__fish_mem_using_subcommand hook; and __fish_seen_subcommand_from help" -f -a "uninstall" -d 'Remove only what `install` added'
complete -c mem -n "__fish_mem_using_subcommand hook; and __fish_seen_subcommand_from help" -f -a "run" -d 'What installed hooks call: read the client\'s payload on stdin and answer on stdout. Never fails: errors go to `<data dir>/logs/hooks.log`'
complete -c mem -n "__fish_mem_using_subcommand hook; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mem -n "__fish_mem_using_subcommand mcp" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mem -n "__fish_mem_using_subcommand watch" -l sync-after -d 'Sync this many seconds after the last local change' -r
complete -c mem -n "__fish_mem_using_subcommand watch" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mem -n "__fish_mem_using_subcommand generate-docs" -l out -d 'Directory to write `man/` and `completions/` into' -r -F
complete -c mem -n "__fish_mem_using_subcommand generate-docs" -s h -l help -d 'Print help'
complete -c mem -n "__fish_mem_using_subcommand help; and not __fish_seen_subcommand_from init save search get list log edit delete reindex model gc doctor stats export import sync conflicts send inbox ack context scope key hook mcp watch generate-docs help" -f -a "init" -d 'Set up config, this device\'s identity and the `local` and `user` scopes'
complete -c mem -n "__fish_mem_using_subcommand help; and not __fish_seen_subcommand_from init save search get list log edit delete reindex model gc doctor stats export import sync conflicts send inbox ack context scope key hook mcp watch generate-docs help" -f -a "save" -d 'Save an observation'
complete -c mem -n "__fish_mem_using_subcommand help; and not __fish_seen_subcommand_from init save search get list log edit delete reindex model gc doctor stats export import sync conflicts send inbox ack context scope key hook mcp watch generate-docs help" -f -a "search" -d 'Search observations (FTS5, ranked by bm25)'
complete -c mem -n "__fish_mem_using_subcommand help; and not __fish_seen_subcommand_from init save search get list log edit delete reindex model gc doctor stats export import sync conflicts send inbox ack context scope key hook mcp watch generate-docs help" -f -a "get" -d 'Show one observation in full, by id or unique prefix (6+ hex characters)'
complete -c mem -n "__fish_mem_using_subcommand help; and not __fish_seen_subcommand_from init save search get list log edit delete reindex model gc doctor stats export import sync conflicts send inbox ack context scope key hook mcp watch generate-docs help" -f -a "list" -d 'List observations, newest first'
complete -c mem -n "__fish_mem_using_subcommand help; and not __fish_seen_subcommand_from init save search get list log edit delete reindex model gc doctor stats export import sync conflicts send inbox ack context scope key hook mcp watch generate-docs help" -f -a "log" -d 'Show history: the commits of every scope, or the versions of one observation'
complete -c mem -n "__fish_mem_using_subcommand help; and not __fish_seen_subcommand_from init save search get list log edit delete reindex model gc doctor stats export import sync conflicts send inbox ack context scope key hook mcp watch generate-docs help" -f -a "edit" -d 'Edit an observation in $VISUAL or $EDITOR; the result is saved as a new observation that supersedes the old one'
complete -c mem -n "__fish_mem_using_subcommand help; and not __fish_seen_subcommand_from init save search get list log edit delete reindex model gc doctor stats export import sync conflicts send inbox ack context scope key hook mcp watch generate-docs help" -f -a "delete" -d 'Delete an observation by writing a tombstone (who, when, why)'
complete -c mem -n "__fish_mem_using_subcommand help; and not __fish_seen_subcommand_from init save search get list log edit delete reindex model gc doctor stats export import sync conflicts send inbox ack context scope key hook mcp watch generate-docs help" -f -a "reindex" -d 'Rebuild the search index from every scope'
complete -c mem -n "__fish_mem_using_subcommand help; and not __fish_seen_subcommand_from init save search get list log edit delete reindex model gc doctor stats export import sync conflicts send inbox ack context scope key hook mcp watch generate-docs help" -f -a "model" -d 'Show or change the embedding model of hybrid search'
complete -c mem -n "__fish_mem_using_subcommand help; and not __fish_seen_subcommand_from init save search get list log edit delete reindex model gc doctor stats export import sync conflicts send inbox ack context scope key hook mcp watch generate-docs help" -f -a "gc" -d 'Repack every scope, drop what no longer needs keeping, and clear out finished agent sessions'
complete -c mem -n "__fish_mem_using_subcommand help; and not __fish_seen_subcommand_from init save search get list log edit delete reindex model gc doctor stats export import sync conflicts send inbox ack context scope key hook mcp watch generate-docs help" -f -a "doctor" -d 'Check the setup and say what needs doing'
complete -c mem -n "__fish_mem_using_subcommand help; and not __fish_seen_subcommand_from init save search get list log edit delete reindex model gc doctor stats export import sync conflicts send inbox ack context scope key hook mcp watch generate-docs help" -f -a "stats" -d 'Count observations per scope, kind and project, and show disk use'
complete -c mem -n "__fish_mem_using_subcommand help; and not __fish_seen_subcommand_from init save search get list log edit delete reindex model gc doctor stats export import sync conflicts send inbox ack context scope key hook mcp watch generate-docs help" -f -a "export" -d 'Write observations out: JSON lines (to stdout or a file) or Markdown files (one per observation, into a directory)'
complete -c mem -n "__fish_mem_using_subcommand help; and not __fish_seen_subcommand_from init save search get list log edit delete reindex model gc doctor stats export import sync conflicts send inbox ack context scope key hook mcp watch generate-docs help" -f -a "import" -d 'Import observations from another source'
complete -c mem -n "__fish_mem_using_subcommand help; and not __fish_seen_subcommand_from init save search get list log edit delete reindex model gc doctor stats export import sync conflicts send inbox ack context scope key hook mcp watch generate-docs help" -f -a "sync" -d 'Push and pull scopes to and from their git remotes'
complete -c mem -n "__fish_mem_using_subcommand help; and not __fish_seen_subcommand_from init save search get list log edit delete reindex model gc doctor stats export import sync conflicts send inbox ack context scope key hook mcp watch generate-docs help" -f -a "conflicts" -d 'List, show and resolve merge records: concurrent edits that `mem sync` found (two edits of one observation, two observations with one key, an edit of a deleted observation). Exits 3 while any is unresolved'
complete -c mem -n "__fish_mem_using_subcommand help; and not __fish_seen_subcommand_from init save search get list log edit delete reindex model gc doctor stats export import sync conflicts send inbox ack context scope key hook mcp watch generate-docs help" -f -a "send" -d 'Send a handoff message to another agent, device, session or user'
complete -c mem -n "__fish_mem_using_subcommand help; and not __fish_seen_subcommand_from init save search get list log edit delete reindex model gc doctor stats export import sync conflicts send inbox ack context scope key hook mcp watch generate-docs help" -f -a "inbox" -d 'Show the handoff messages addressed to you'
complete -c mem -n "__fish_mem_using_subcommand help; and not __fish_seen_subcommand_from init save search get list log edit delete reindex model gc doctor stats export import sync conflicts send inbox ack context scope key hook mcp watch generate-docs help" -f -a "ack" -d 'Acknowledge a handoff message: it leaves every recipient\'s inbox'
complete -c mem -n "__fish_mem_using_subcommand help; and not __fish_seen_subcommand_from init save search get list log edit delete reindex model gc doctor stats export import sync conflicts send inbox ack context scope key hook mcp watch generate-docs help" -f -a "context" -d 'Print the block an agent\'s session-start hook injects'
complete -c mem -n "__fish_mem_using_subcommand help; and not __fish_seen_subcommand_from init save search get list log edit delete reindex model gc doctor stats export import sync conflicts send inbox ack context scope key hook mcp watch generate-docs help" -f -a "scope" -d 'List scopes, add one, point one at a git remote, or manage encryption'
complete -c mem -n "__fish_mem_using_subcommand help; and not __fish_seen_subcommand_from init save search get list log edit delete reindex model gc doctor stats export import sync conflicts send inbox ack context scope key hook mcp watch generate-docs help" -f -a "key" -d 'Create or show this device\'s identity for encrypted scopes'
complete -c mem -n "__fish_mem_using_subcommand help; and not __fish_seen_subcommand_from init save search get list log edit delete reindex model gc doctor stats export import sync conflicts send inbox ack context scope key hook mcp watch generate-docs help" -f -a "hook" -d 'Install or remove the hooks that run mem for you'
complete -c mem -n "__fish_mem_using_subcommand help; and not __fish_seen_subcommand_from init save search get list log edit delete reindex model gc doctor stats export import sync conflicts send inbox ack context scope key hook mcp watch generate-docs help" -f -a "mcp" -d 'Serve mem to an agent over MCP (stdio)'
complete -c mem -n "__fish_mem_using_subcommand help; and not __fish_seen_subcommand_from init save search get list log edit delete reindex model gc doctor stats export import sync conflicts send inbox ack context scope key hook mcp watch generate-docs help" -f -a "watch" -d 'Keep the index in step with the scopes, and sync after local changes'
complete -c mem -n "__fish_mem_using_subcommand help; and not __fish_seen_subcommand_from init save search get list log edit delete reindex model gc doctor stats export import sync conflicts send inbox ack context scope key hook mcp watch generate-docs help" -f -a "generate-docs" -d 'Render man pages and completions'
complete -c mem -n "__fish_mem_using_subcommand help; and not __fish_seen_subcommand_from init save search get list log edit delete reindex model gc doctor stats export import sync conflicts send inbox ack context scope key hook mcp watch generate-docs help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mem -n "__fish_mem_using_subcommand help; and __fish_seen_subcommand_from model" -f -a "show" -d 'Show the search mode and the model in use'
complete -c mem -n "__fish_mem_using_subcommand help; and __fish_seen_subcommand_from model" -f -a "set" -d 'Use the Model2Vec model in a local directory and compute every observation\'s vector with it'
complete -c mem -n "__fish_mem_using_subcommand help; and __fish_seen_subcommand_from model" -f -a "download" -d 'Download a Model2Vec model from Hugging Face and use it'
complete -c mem -n "__fish_mem_using_subcommand help; and __fish_seen_subcommand_from model" -f -a "off" -d 'Stop using the model: search by words only'
complete -c mem -n "__fish_mem_using_subcommand help; and __fish_seen_subcommand_from conflicts" -f -a "list" -d 'List merge records (unresolved ones unless --all)'
complete -c mem -n "__fish_mem_using_subcommand help; and __fish_seen_subcommand_from conflicts" -f -a "show" -d 'Show a record: every competing version and a diff of the first two'
complete -c mem -n "__fish_mem_using_subcommand help; and __fish_seen_subcommand_from conflicts" -f -a "resolve" -d 'Resolve a record with one commit, which syncs like any other'
complete -c mem -n "__fish_mem_using_subcommand help; and __fish_seen_subcommand_from scope" -f -a "list" -d 'List scopes with their remotes'
complete -c mem -n "__fish_mem_using_subcommand help; and __fish_seen_subcommand_from scope" -f -a "add" -d 'Add a scope: team/<id> (or local, user). With --remote, clone it: an existing remote\'s observations arrive at once; an empty remote is filled by the next `mem sync`'
complete -c mem -n "__fish_mem_using_subcommand help; and __fish_seen_subcommand_from scope" -f -a "remote" -d 'Set a scope\'s git remote; the next `mem sync` merges both histories'
complete -c mem -n "__fish_mem_using_subcommand help; and __fish_seen_subcommand_from scope" -f -a "recipients" -d 'List, add or remove the age recipients of an encrypted scope. Adding or removing re-encrypts the whole scope to the new list in one commit'
complete -c mem -n "__fish_mem_using_subcommand help; and __fish_seen_subcommand_from scope" -f -a "rekey" -d 'Re-encrypt every file of a scope to its recipients in one commit'
complete -c mem -n "__fish_mem_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "init" -d 'Create an age identity (never overwrites one) and print its recipient'
complete -c mem -n "__fish_mem_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "show" -d 'Print this device\'s public recipient, to share'
complete -c mem -n "__fish_mem_using_subcommand help; and __fish_seen_subcommand_from hook" -f -a "install" -d 'Add mem\'s hooks (installing twice changes nothing)'
complete -c mem -n "__fish_mem_using_subcommand help; and __fish_seen_subcommand_from hook" -f -a "uninstall" -d 'Remove only what `install` added'
complete -c mem -n "__fish_mem_using_subcommand help; and __fish_seen_subcommand_from hook" -f -a "run" -d 'What installed hooks call: read the client\'s payload on stdin and answer on stdout. Never fails: errors go to `<data dir>/logs/hooks.log`'
