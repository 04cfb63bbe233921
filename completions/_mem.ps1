
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'mem' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'mem'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'mem' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Set up config, this device''s identity and the `local` and `user` scopes')
            [CompletionResult]::new('save', 'save', [CompletionResultType]::ParameterValue, 'Save an observation')
            [CompletionResult]::new('search', 'search', [CompletionResultType]::ParameterValue, 'Search observations (FTS5, ranked by bm25)')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Show one observation in full, by id or unique prefix (6+ hex characters)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List observations, newest first')
            [CompletionResult]::new('log', 'log', [CompletionResultType]::ParameterValue, 'Show history: the commits of every scope, or the versions of one observation')
            [CompletionResult]::new('edit', 'edit', [CompletionResultType]::ParameterValue, 'Edit an observation in $VISUAL or $EDITOR; the result is saved as a new observation that supersedes the old one')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete an observation by writing a tombstone (who, when, why)')
            [CompletionResult]::new('reindex', 'reindex', [CompletionResultType]::ParameterValue, 'Rebuild the search index from every scope')
            [CompletionResult]::new('model', 'model', [CompletionResultType]::ParameterValue, 'Show or change the embedding model of hybrid search')
            [CompletionResult]::new('gc', 'gc', [CompletionResultType]::ParameterValue, 'Repack every scope, drop what no longer needs keeping, and clear out finished agent sessions')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Check the setup and say what needs doing')
            [CompletionResult]::new('stats', 'stats', [CompletionResultType]::ParameterValue, 'Count observations per scope, kind and project, and show disk use')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Write observations out: JSON lines (to stdout or a file) or Markdown files (one per observation, into a directory)')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Import observations from another source')
            [CompletionResult]::new('sync', 'sync', [CompletionResultType]::ParameterValue, 'Push and pull scopes to and from their git remotes')
            [CompletionResult]::new('conflicts', 'conflicts', [CompletionResultType]::ParameterValue, 'List, show and resolve merge records: concurrent edits that `mem sync` found (two edits of one observation, two observations with one key, an edit of a deleted observation). Exits 3 while any is unresolved')
            [CompletionResult]::new('send', 'send', [CompletionResultType]::ParameterValue, 'Send a handoff message to another agent, device, session or user')
            [CompletionResult]::new('inbox', 'inbox', [CompletionResultType]::ParameterValue, 'Show the handoff messages addressed to you')
            [CompletionResult]::new('ack', 'ack', [CompletionResultType]::ParameterValue, 'Acknowledge a handoff message: it leaves every recipient''s inbox')
            [CompletionResult]::new('context', 'context', [CompletionResultType]::ParameterValue, 'Print the block an agent''s session-start hook injects')
            [CompletionResult]::new('scope', 'scope', [CompletionResultType]::ParameterValue, 'List scopes, add one, point one at a git remote, or manage encryption')
            [CompletionResult]::new('key', 'key', [CompletionResultType]::ParameterValue, 'Create or show this device''s identity for encrypted scopes')
            [CompletionResult]::new('hook', 'hook', [CompletionResultType]::ParameterValue, 'Install or remove the hooks that run mem for you')
            [CompletionResult]::new('mcp', 'mcp', [CompletionResultType]::ParameterValue, 'Serve mem to an agent over MCP (stdio)')
            [CompletionResult]::new('watch', 'watch', [CompletionResultType]::ParameterValue, 'Keep the index in step with the scopes, and sync after local changes')
            [CompletionResult]::new('generate-docs', 'generate-docs', [CompletionResultType]::ParameterValue, 'Render man pages and completions')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mem;init' {
            [CompletionResult]::new('--remote', '--remote', [CompletionResultType]::ParameterName, 'A git remote for the user scope: an existing one is cloned (a new device joining), an empty one is filled by `mem sync`')
            [CompletionResult]::new('--encrypt', '--encrypt', [CompletionResultType]::ParameterName, 'Encrypt the `local` scope too (the `user` scope always is)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the result as JSON')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mem;save' {
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Title (default: the first line of the text)')
            [CompletionResult]::new('--title', '--title', [CompletionResultType]::ParameterName, 'Title (default: the first line of the text)')
            [CompletionResult]::new('--summary', '--summary', [CompletionResultType]::ParameterName, 'One-line summary shown in results')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Kind: note, decision, bug, pattern, config, summary, feature, discovery, reference, session, handoff')
            [CompletionResult]::new('--kind', '--kind', [CompletionResultType]::ParameterName, 'Kind: note, decision, bug, pattern, config, summary, feature, discovery, reference, session, handoff')
            [CompletionResult]::new('--tag', '--tag', [CompletionResultType]::ParameterName, 'Tag (repeatable)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Topic key: the new observation supersedes the live one with this key')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Scope to save into (default: default_scope from config, normally user)')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'Scope to save into (default: default_scope from config, normally user)')
            [CompletionResult]::new('--project', '--project', [CompletionResultType]::ParameterName, 'Project (default: the normalised origin URL of the current git repository)')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Importance from 1 (low) to 5 (high)')
            [CompletionResult]::new('--importance', '--importance', [CompletionResultType]::ParameterName, 'Importance from 1 (low) to 5 (high)')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'A file the memory is about (repeatable)')
            [CompletionResult]::new('--supersedes', '--supersedes', [CompletionResultType]::ParameterName, 'Id (or unique prefix) of an observation this one replaces (repeatable)')
            [CompletionResult]::new('--agent', '--agent', [CompletionResultType]::ParameterName, 'Agent saving it (claude-code, codex, gemini, …)')
            [CompletionResult]::new('--session', '--session', [CompletionResultType]::ParameterName, 'The agent''s session id')
            [CompletionResult]::new('--ttl', '--ttl', [CompletionResultType]::ParameterName, 'Expire after this long: seconds (3600) or an age (90m, 12h, 7d, 2w)')
            [CompletionResult]::new('--expires', '--expires', [CompletionResultType]::ParameterName, 'Expire at this instant: RFC 3339 (2026-12-01T09:00:00Z) or a date (midnight UTC)')
            [CompletionResult]::new('--stdin', '--stdin', [CompletionResultType]::ParameterName, 'Read the text from standard input (UTF-8)')
            [CompletionResult]::new('--global', '--global', [CompletionResultType]::ParameterName, 'Save without a project: relevant everywhere')
            [CompletionResult]::new('--allow-secrets', '--allow-secrets', [CompletionResultType]::ParameterName, 'Save even if the text looks like it contains a secret')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the result as JSON')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mem;search' {
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Only this scope (repeatable)')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'Only this scope (repeatable)')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Only this kind')
            [CompletionResult]::new('--kind', '--kind', [CompletionResultType]::ParameterName, 'Only this kind')
            [CompletionResult]::new('--tag', '--tag', [CompletionResultType]::ParameterName, 'Only observations with this tag')
            [CompletionResult]::new('--project', '--project', [CompletionResultType]::ParameterName, 'This project (plus project-less observations) instead of the current one')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only observations created since: 2026-11-01, 2026-11-01T09:30:00Z, 7d, 12h, 2w')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'At most this many results (default: limit from config, normally 10)')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'At most this many results (default: limit from config, normally 10)')
            [CompletionResult]::new('--all-projects', '--all-projects', [CompletionResultType]::ParameterName, 'Every project')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Include superseded, deleted and expired observations')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results as a JSON array')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mem;get' {
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print as a JSON object')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mem;list' {
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Only this scope (repeatable)')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'Only this scope (repeatable)')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Only this kind')
            [CompletionResult]::new('--kind', '--kind', [CompletionResultType]::ParameterName, 'Only this kind')
            [CompletionResult]::new('--tag', '--tag', [CompletionResultType]::ParameterName, 'Only observations with this tag')
            [CompletionResult]::new('--project', '--project', [CompletionResultType]::ParameterName, 'This project (plus project-less observations) instead of the current one')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only observations created since: 2026-11-01, 2026-11-01T09:30:00Z, 7d, 12h, 2w')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'At most this many results (default: limit from config, normally 10)')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'At most this many results (default: limit from config, normally 10)')
            [CompletionResult]::new('--all-projects', '--all-projects', [CompletionResultType]::ParameterName, 'Every project')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Include superseded, deleted and expired observations')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print results as a JSON array')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mem;log' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'At most this many commits')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'At most this many commits')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print as JSON')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mem;edit' {
            [CompletionResult]::new('--allow-secrets', '--allow-secrets', [CompletionResultType]::ParameterName, 'Save even if the text looks like it contains a secret')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the result as JSON')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mem;delete' {
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'Why it is deleted (kept in the tombstone)')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why it is deleted (kept in the tombstone)')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Delete only from this scope (default: every scope holding it)')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'Delete only from this scope (default: every scope holding it)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the result as JSON')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mem;reindex' {
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the result as JSON')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mem;model' {
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the result as JSON')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show the search mode and the model in use')
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Use the Model2Vec model in a local directory and compute every observation''s vector with it')
            [CompletionResult]::new('download', 'download', [CompletionResultType]::ParameterValue, 'Download a Model2Vec model from Hugging Face and use it')
            [CompletionResult]::new('off', 'off', [CompletionResultType]::ParameterValue, 'Stop using the model: search by words only')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mem;model;show' {
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the result as JSON')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mem;model;set' {
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the result as JSON')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mem;model;download' {
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Fetch from this base URL instead of https://huggingface.co (files at URL/NAME/resolve/main/FILE)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the result as JSON')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mem;model;off' {
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the result as JSON')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mem;model;help' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show the search mode and the model in use')
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Use the Model2Vec model in a local directory and compute every observation''s vector with it')
            [CompletionResult]::new('download', 'download', [CompletionResultType]::ParameterValue, 'Download a Model2Vec model from Hugging Face and use it')
            [CompletionResult]::new('off', 'off', [CompletionResultType]::ParameterValue, 'Stop using the model: search by words only')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mem;model;help;show' {
            break
        }
        'mem;model;help;set' {
            break
        }
        'mem;model;help;download' {
            break
        }
        'mem;model;help;off' {
            break
        }
        'mem;model;help;help' {
            break
        }
        'mem;gc' {
            [CompletionResult]::new('--retention-days', '--retention-days', [CompletionResultType]::ParameterName, 'Remove deleted observations and their tombstones once the deletion is this many days old (expired ones once they expired this long ago)')
            [CompletionResult]::new('--idle-hours', '--idle-hours', [CompletionResultType]::ParameterName, 'Fold spools of sessions idle for this many hours')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the result as JSON')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mem;doctor' {
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the report as JSON')
            [CompletionResult]::new('--fix', '--fix', [CompletionResultType]::ParameterName, 'Run the repairs doctor can make by itself (fetch what a scope lost from its remote), then check again')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mem;stats' {
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print as JSON')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mem;export' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'File (jsonl; default stdout) or directory (markdown; required)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'File (jsonl; default stdout) or directory (markdown; required)')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Only this scope (repeatable)')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'Only this scope (repeatable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mem;import' {
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Source format')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Scope to import into (default: each record''s scope, else default_scope)')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'Scope to import into (default: each record''s scope, else default_scope)')
            [CompletionResult]::new('--allow-secrets', '--allow-secrets', [CompletionResultType]::ParameterName, 'Import even if a record looks like it contains a secret')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the counts as JSON')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mem;sync' {
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Only this scope (repeatable)')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'Only this scope (repeatable)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print per-scope results as JSON')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'With a failure, also print the underlying message (git''s or the server''s; passwords removed)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'With a failure, also print the underlying message (git''s or the server''s; passwords removed)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mem;conflicts' {
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print as JSON')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List merge records (unresolved ones unless --all)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show a record: every competing version and a diff of the first two')
            [CompletionResult]::new('resolve', 'resolve', [CompletionResultType]::ParameterValue, 'Resolve a record with one commit, which syncs like any other')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mem;conflicts;list' {
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Resolved records too')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print as JSON')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mem;conflicts;show' {
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print as JSON')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mem;conflicts;resolve' {
            [CompletionResult]::new('--keep', '--keep', [CompletionResultType]::ParameterName, 'Keep this competitor; the others are deleted (tombstones)')
            [CompletionResult]::new('--merge-command', '--merge-command', [CompletionResultType]::ParameterName, 'Pipe all versions to CMD (run with sh -c); its output, as Markdown, is saved superseding them all')
            [CompletionResult]::new('--keep-all', '--keep-all', [CompletionResultType]::ParameterName, 'Keep every competitor')
            [CompletionResult]::new('--edit', '--edit', [CompletionResultType]::ParameterName, 'Edit a merge of all versions in $VISUAL/$EDITOR; the result supersedes them all')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mem;conflicts;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List merge records (unresolved ones unless --all)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show a record: every competing version and a diff of the first two')
            [CompletionResult]::new('resolve', 'resolve', [CompletionResultType]::ParameterValue, 'Resolve a record with one commit, which syncs like any other')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mem;conflicts;help;list' {
            break
        }
        'mem;conflicts;help;show' {
            break
        }
        'mem;conflicts;help;resolve' {
            break
        }
        'mem;conflicts;help;help' {
            break
        }
        'mem;send' {
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Who it is for: user:NAME, agent:FAMILY (claude-code, codex, …), device:NAME or session:ID')
            [CompletionResult]::new('--ttl', '--ttl', [CompletionResultType]::ParameterName, 'Deliver for this long: seconds (3600) or an age (90m, 12h, 7d, 2w); default 7d')
            [CompletionResult]::new('--subject', '--subject', [CompletionResultType]::ParameterName, 'One-line subject')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Scope to send through (default: default_scope from config, normally user)')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'Scope to send through (default: default_scope from config, normally user)')
            [CompletionResult]::new('--agent', '--agent', [CompletionResultType]::ParameterName, 'Agent sending it (claude-code, codex, gemini, …)')
            [CompletionResult]::new('--session', '--session', [CompletionResultType]::ParameterName, 'The sending agent''s session id')
            [CompletionResult]::new('--requires-ack', '--requires-ack', [CompletionResultType]::ParameterName, 'Ask the recipient to acknowledge it')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the result as JSON')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mem;inbox' {
            [CompletionResult]::new('--agent', '--agent', [CompletionResultType]::ParameterName, 'The agent family reading (claude-code, codex, …)')
            [CompletionResult]::new('--session', '--session', [CompletionResultType]::ParameterName, 'The reading agent''s session id')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Also show acknowledged and expired messages')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the messages as a JSON array')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mem;ack' {
            [CompletionResult]::new('--agent', '--agent', [CompletionResultType]::ParameterName, 'The agent family acknowledging (claude-code, codex, …)')
            [CompletionResult]::new('--session', '--session', [CompletionResultType]::ParameterName, 'The acknowledging agent''s session id')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the result as JSON')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mem;context' {
            [CompletionResult]::new('--project', '--project', [CompletionResultType]::ParameterName, 'The project (default: the normalised origin URL of the cwd''s repository)')
            [CompletionResult]::new('--budget', '--budget', [CompletionResultType]::ParameterName, 'At most this many characters')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Rank memories matching these words higher')
            [CompletionResult]::new('--query', '--query', [CompletionResultType]::ParameterName, 'Rank memories matching these words higher')
            [CompletionResult]::new('--agent', '--agent', [CompletionResultType]::ParameterName, 'The agent family reading (claude-code, codex, …): its messages come first too')
            [CompletionResult]::new('--session', '--session', [CompletionResultType]::ParameterName, 'The reading agent''s session id')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the block and its parts as JSON')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mem;scope' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List scopes with their remotes')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a scope: team/<id> (or local, user). With --remote, clone it: an existing remote''s observations arrive at once; an empty remote is filled by the next `mem sync`')
            [CompletionResult]::new('remote', 'remote', [CompletionResultType]::ParameterValue, 'Set a scope''s git remote; the next `mem sync` merges both histories')
            [CompletionResult]::new('recipients', 'recipients', [CompletionResultType]::ParameterValue, 'List, add or remove the age recipients of an encrypted scope. Adding or removing re-encrypts the whole scope to the new list in one commit')
            [CompletionResult]::new('rekey', 'rekey', [CompletionResultType]::ParameterValue, 'Re-encrypt every file of a scope to its recipients in one commit')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mem;scope;list' {
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print as JSON')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mem;scope;add' {
            [CompletionResult]::new('--remote', '--remote', [CompletionResultType]::ParameterName, 'The scope''s git remote (file://, ssh://, git@host:path, a path)')
            [CompletionResult]::new('--encrypt', '--encrypt', [CompletionResultType]::ParameterName, 'Encrypt the new scope to this device''s identity (add members with `mem scope recipients NAME add KEY`). The `user` scope always is; a scope cloned from a remote keeps the remote''s policy')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mem;scope;remote' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mem;scope;recipients' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the recipients with their names')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a recipient (an `age1…` key from `mem key show`, or an SSH public key) and re-encrypt the scope to it')
            [CompletionResult]::new('accept', 'accept', [CompletionResultType]::ParameterValue, 'Accept the recipient list the remote holds, when `mem sync` refused it but you made that change yourself on another device: the scope is re-encrypted to it under a fresh scope key')
            [CompletionResult]::new('rm', 'rm', [CompletionResultType]::ParameterValue, 'Remove a recipient (by key or name) and re-encrypt the scope without it. It can still read the old history: rotate secrets it held')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mem;scope;recipients;list' {
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print as JSON')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mem;scope;recipients;add' {
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Who or which device it is, kept beside the key')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the result as JSON')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mem;scope;recipients;accept' {
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the result as JSON')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mem;scope;recipients;rm' {
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the result as JSON')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mem;scope;recipients;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the recipients with their names')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a recipient (an `age1…` key from `mem key show`, or an SSH public key) and re-encrypt the scope to it')
            [CompletionResult]::new('accept', 'accept', [CompletionResultType]::ParameterValue, 'Accept the recipient list the remote holds, when `mem sync` refused it but you made that change yourself on another device: the scope is re-encrypted to it under a fresh scope key')
            [CompletionResult]::new('rm', 'rm', [CompletionResultType]::ParameterValue, 'Remove a recipient (by key or name) and re-encrypt the scope without it. It can still read the old history: rotate secrets it held')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mem;scope;recipients;help;list' {
            break
        }
        'mem;scope;recipients;help;add' {
            break
        }
        'mem;scope;recipients;help;accept' {
            break
        }
        'mem;scope;recipients;help;rm' {
            break
        }
        'mem;scope;recipients;help;help' {
            break
        }
        'mem;scope;rekey' {
            [CompletionResult]::new('--fresh', '--fresh', [CompletionResultType]::ParameterName, 'Start the scope''s history afresh with the re-encrypted state (a new root commit that also replaces the remote''s history), so earlier plaintext is no longer in what is shared. Other devices must add the scope again')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the result as JSON')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mem;scope;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List scopes with their remotes')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a scope: team/<id> (or local, user). With --remote, clone it: an existing remote''s observations arrive at once; an empty remote is filled by the next `mem sync`')
            [CompletionResult]::new('remote', 'remote', [CompletionResultType]::ParameterValue, 'Set a scope''s git remote; the next `mem sync` merges both histories')
            [CompletionResult]::new('recipients', 'recipients', [CompletionResultType]::ParameterValue, 'List, add or remove the age recipients of an encrypted scope. Adding or removing re-encrypts the whole scope to the new list in one commit')
            [CompletionResult]::new('rekey', 'rekey', [CompletionResultType]::ParameterValue, 'Re-encrypt every file of a scope to its recipients in one commit')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mem;scope;help;list' {
            break
        }
        'mem;scope;help;add' {
            break
        }
        'mem;scope;help;remote' {
            break
        }
        'mem;scope;help;recipients' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the recipients with their names')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a recipient (an `age1…` key from `mem key show`, or an SSH public key) and re-encrypt the scope to it')
            [CompletionResult]::new('accept', 'accept', [CompletionResultType]::ParameterValue, 'Accept the recipient list the remote holds, when `mem sync` refused it but you made that change yourself on another device: the scope is re-encrypted to it under a fresh scope key')
            [CompletionResult]::new('rm', 'rm', [CompletionResultType]::ParameterValue, 'Remove a recipient (by key or name) and re-encrypt the scope without it. It can still read the old history: rotate secrets it held')
            break
        }
        'mem;scope;help;recipients;list' {
            break
        }
        'mem;scope;help;recipients;add' {
            break
        }
        'mem;scope;help;recipients;accept' {
            break
        }
        'mem;scope;help;recipients;rm' {
            break
        }
        'mem;scope;help;rekey' {
            break
        }
        'mem;scope;help;help' {
            break
        }
        'mem;key' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Create an age identity (never overwrites one) and print its recipient')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print this device''s public recipient, to share')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mem;key;init' {
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print as JSON')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mem;key;show' {
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print as JSON')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mem;key;help' {
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Create an age identity (never overwrites one) and print its recipient')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print this device''s public recipient, to share')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mem;key;help;init' {
            break
        }
        'mem;key;help;show' {
            break
        }
        'mem;key;help;help' {
            break
        }
        'mem;hook' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('install', 'install', [CompletionResultType]::ParameterValue, 'Add mem''s hooks (installing twice changes nothing)')
            [CompletionResult]::new('uninstall', 'uninstall', [CompletionResultType]::ParameterValue, 'Remove only what `install` added')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'What installed hooks call: read the client''s payload on stdin and answer on stdout. Never fails: errors go to `<data dir>/logs/hooks.log`')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mem;hook;install' {
            [CompletionResult]::new('--client', '--client', [CompletionResultType]::ParameterName, 'Which client''s hooks')
            [CompletionResult]::new('--project', '--project', [CompletionResultType]::ParameterName, 'The project''s settings (in the repository you are in) instead of the user''s')
            [CompletionResult]::new('--mcp', '--mcp', [CompletionResultType]::ParameterName, 'Also register `mem mcp` as the client''s MCP server (install); uninstall always removes it')
            [CompletionResult]::new('--trust', '--trust', [CompletionResultType]::ParameterName, 'Gemini: register `mem mcp` as a trusted MCP server (implies --mcp). Gemini CLI asks before each tool call of an untrusted server and hides its tools in headless `gemini -p` runs')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the change as a diff without writing it')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mem;hook;uninstall' {
            [CompletionResult]::new('--client', '--client', [CompletionResultType]::ParameterName, 'Which client''s hooks')
            [CompletionResult]::new('--project', '--project', [CompletionResultType]::ParameterName, 'The project''s settings (in the repository you are in) instead of the user''s')
            [CompletionResult]::new('--mcp', '--mcp', [CompletionResultType]::ParameterName, 'Also register `mem mcp` as the client''s MCP server (install); uninstall always removes it')
            [CompletionResult]::new('--trust', '--trust', [CompletionResultType]::ParameterName, 'Gemini: register `mem mcp` as a trusted MCP server (implies --mcp). Gemini CLI asks before each tool call of an untrusted server and hides its tools in headless `gemini -p` runs')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the change as a diff without writing it')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mem;hook;run' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mem;hook;help' {
            [CompletionResult]::new('install', 'install', [CompletionResultType]::ParameterValue, 'Add mem''s hooks (installing twice changes nothing)')
            [CompletionResult]::new('uninstall', 'uninstall', [CompletionResultType]::ParameterValue, 'Remove only what `install` added')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'What installed hooks call: read the client''s payload on stdin and answer on stdout. Never fails: errors go to `<data dir>/logs/hooks.log`')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mem;hook;help;install' {
            break
        }
        'mem;hook;help;uninstall' {
            break
        }
        'mem;hook;help;run' {
            break
        }
        'mem;hook;help;help' {
            break
        }
        'mem;mcp' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mem;watch' {
            [CompletionResult]::new('--sync-after', '--sync-after', [CompletionResultType]::ParameterName, 'Sync this many seconds after the last local change')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mem;generate-docs' {
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Directory to write `man/` and `completions/` into')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mem;help' {
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Set up config, this device''s identity and the `local` and `user` scopes')
            [CompletionResult]::new('save', 'save', [CompletionResultType]::ParameterValue, 'Save an observation')
            [CompletionResult]::new('search', 'search', [CompletionResultType]::ParameterValue, 'Search observations (FTS5, ranked by bm25)')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Show one observation in full, by id or unique prefix (6+ hex characters)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List observations, newest first')
            [CompletionResult]::new('log', 'log', [CompletionResultType]::ParameterValue, 'Show history: the commits of every scope, or the versions of one observation')
            [CompletionResult]::new('edit', 'edit', [CompletionResultType]::ParameterValue, 'Edit an observation in $VISUAL or $EDITOR; the result is saved as a new observation that supersedes the old one')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete an observation by writing a tombstone (who, when, why)')
            [CompletionResult]::new('reindex', 'reindex', [CompletionResultType]::ParameterValue, 'Rebuild the search index from every scope')
            [CompletionResult]::new('model', 'model', [CompletionResultType]::ParameterValue, 'Show or change the embedding model of hybrid search')
            [CompletionResult]::new('gc', 'gc', [CompletionResultType]::ParameterValue, 'Repack every scope, drop what no longer needs keeping, and clear out finished agent sessions')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Check the setup and say what needs doing')
            [CompletionResult]::new('stats', 'stats', [CompletionResultType]::ParameterValue, 'Count observations per scope, kind and project, and show disk use')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Write observations out: JSON lines (to stdout or a file) or Markdown files (one per observation, into a directory)')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Import observations from another source')
            [CompletionResult]::new('sync', 'sync', [CompletionResultType]::ParameterValue, 'Push and pull scopes to and from their git remotes')
            [CompletionResult]::new('conflicts', 'conflicts', [CompletionResultType]::ParameterValue, 'List, show and resolve merge records: concurrent edits that `mem sync` found (two edits of one observation, two observations with one key, an edit of a deleted observation). Exits 3 while any is unresolved')
            [CompletionResult]::new('send', 'send', [CompletionResultType]::ParameterValue, 'Send a handoff message to another agent, device, session or user')
            [CompletionResult]::new('inbox', 'inbox', [CompletionResultType]::ParameterValue, 'Show the handoff messages addressed to you')
            [CompletionResult]::new('ack', 'ack', [CompletionResultType]::ParameterValue, 'Acknowledge a handoff message: it leaves every recipient''s inbox')
            [CompletionResult]::new('context', 'context', [CompletionResultType]::ParameterValue, 'Print the block an agent''s session-start hook injects')
            [CompletionResult]::new('scope', 'scope', [CompletionResultType]::ParameterValue, 'List scopes, add one, point one at a git remote, or manage encryption')
            [CompletionResult]::new('key', 'key', [CompletionResultType]::ParameterValue, 'Create or show this device''s identity for encrypted scopes')
            [CompletionResult]::new('hook', 'hook', [CompletionResultType]::ParameterValue, 'Install or remove the hooks that run mem for you')
            [CompletionResult]::new('mcp', 'mcp', [CompletionResultType]::ParameterValue, 'Serve mem to an agent over MCP (stdio)')
            [CompletionResult]::new('watch', 'watch', [CompletionResultType]::ParameterValue, 'Keep the index in step with the scopes, and sync after local changes')
            [CompletionResult]::new('generate-docs', 'generate-docs', [CompletionResultType]::ParameterValue, 'Render man pages and completions')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mem;help;init' {
            break
        }
        'mem;help;save' {
            break
        }
        'mem;help;search' {
            break
        }
        'mem;help;get' {
            break
        }
        'mem;help;list' {
            break
        }
        'mem;help;log' {
            break
        }
        'mem;help;edit' {
            break
        }
        'mem;help;delete' {
            break
        }
        'mem;help;reindex' {
            break
        }
        'mem;help;model' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show the search mode and the model in use')
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Use the Model2Vec model in a local directory and compute every observation''s vector with it')
            [CompletionResult]::new('download', 'download', [CompletionResultType]::ParameterValue, 'Download a Model2Vec model from Hugging Face and use it')
            [CompletionResult]::new('off', 'off', [CompletionResultType]::ParameterValue, 'Stop using the model: search by words only')
            break
        }
        'mem;help;model;show' {
            break
        }
        'mem;help;model;set' {
            break
        }
        'mem;help;model;download' {
            break
        }
        'mem;help;model;off' {
            break
        }
        'mem;help;gc' {
            break
        }
        'mem;help;doctor' {
            break
        }
        'mem;help;stats' {
            break
        }
        'mem;help;export' {
            break
        }
        'mem;help;import' {
            break
        }
        'mem;help;sync' {
            break
        }
        'mem;help;conflicts' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List merge records (unresolved ones unless --all)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show a record: every competing version and a diff of the first two')
            [CompletionResult]::new('resolve', 'resolve', [CompletionResultType]::ParameterValue, 'Resolve a record with one commit, which syncs like any other')
            break
        }
        'mem;help;conflicts;list' {
            break
        }
        'mem;help;conflicts;show' {
            break
        }
        'mem;help;conflicts;resolve' {
            break
        }
        'mem;help;send' {
            break
        }
        'mem;help;inbox' {
            break
        }
        'mem;help;ack' {
            break
        }
        'mem;help;context' {
            break
        }
        'mem;help;scope' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List scopes with their remotes')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a scope: team/<id> (or local, user). With --remote, clone it: an existing remote''s observations arrive at once; an empty remote is filled by the next `mem sync`')
            [CompletionResult]::new('remote', 'remote', [CompletionResultType]::ParameterValue, 'Set a scope''s git remote; the next `mem sync` merges both histories')
            [CompletionResult]::new('recipients', 'recipients', [CompletionResultType]::ParameterValue, 'List, add or remove the age recipients of an encrypted scope. Adding or removing re-encrypts the whole scope to the new list in one commit')
            [CompletionResult]::new('rekey', 'rekey', [CompletionResultType]::ParameterValue, 'Re-encrypt every file of a scope to its recipients in one commit')
            break
        }
        'mem;help;scope;list' {
            break
        }
        'mem;help;scope;add' {
            break
        }
        'mem;help;scope;remote' {
            break
        }
        'mem;help;scope;recipients' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the recipients with their names')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a recipient (an `age1…` key from `mem key show`, or an SSH public key) and re-encrypt the scope to it')
            [CompletionResult]::new('accept', 'accept', [CompletionResultType]::ParameterValue, 'Accept the recipient list the remote holds, when `mem sync` refused it but you made that change yourself on another device: the scope is re-encrypted to it under a fresh scope key')
            [CompletionResult]::new('rm', 'rm', [CompletionResultType]::ParameterValue, 'Remove a recipient (by key or name) and re-encrypt the scope without it. It can still read the old history: rotate secrets it held')
            break
        }
        'mem;help;scope;recipients;list' {
            break
        }
        'mem;help;scope;recipients;add' {
            break
        }
        'mem;help;scope;recipients;accept' {
            break
        }
        'mem;help;scope;recipients;rm' {
            break
        }
        'mem;help;scope;rekey' {
            break
        }
        'mem;help;key' {
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Create an age identity (never overwrites one) and print its recipient')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print this device''s public recipient, to share')
            break
        }
        'mem;help;key;init' {
            break
        }
        'mem;help;key;show' {
            break
        }
        'mem;help;hook' {
            [CompletionResult]::new('install', 'install', [CompletionResultType]::ParameterValue, 'Add mem''s hooks (installing twice changes nothing)')
            [CompletionResult]::new('uninstall', 'uninstall', [CompletionResultType]::ParameterValue, 'Remove only what `install` added')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'What installed hooks call: read the client''s payload on stdin and answer on stdout. Never fails: errors go to `<data dir>/logs/hooks.log`')
            break
        }
        'mem;help;hook;install' {
            break
        }
        'mem;help;hook;uninstall' {
            break
        }
        'mem;help;hook;run' {
            break
        }
        'mem;help;mcp' {
            break
        }
        'mem;help;watch' {
            break
        }
        'mem;help;generate-docs' {
            break
        }
        'mem;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
