// The page a browser gets (401) when the dashboard needs a token and the request has none (or a
// wrong one): how to get in, and the SSH-tunnel alternative to exposing the port.

export function tokenPage(wrong: boolean): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Unroll: token required</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#222}code{background:#f2f2f2;padding:0 .25em;border-radius:3px}input{font:inherit;width:22rem}</style></head>
<body>
<h1>Token required</h1>
${wrong ? "<p><strong>That token is wrong.</strong></p>\n" : ""}<p>This dashboard is reachable from other machines, so it asks for its token. Open the URL that
<code>pnpm start</code> printed when it started (<code>http://host:port/?token=…</code>), or the one
for the token you set in <code>UNROLL_TOKEN</code>, or paste the token here:</p>
<form method="get"><input name="token" type="password" autocomplete="off" aria-label="token" autofocus> <button>Open</button></form>
<p>API clients send <code>Authorization: Bearer &lt;token&gt;</code>.</p>
<p>Rather not expose the port? Start the dashboard on loopback (the default, <code>HOST=127.0.0.1</code>)
on the remote box and tunnel to it: <code>ssh -L 3000:127.0.0.1:3000 user@gpu-box</code>, then open
<code>http://127.0.0.1:3000</code> here.</p>
</body>
</html>
`;
}
