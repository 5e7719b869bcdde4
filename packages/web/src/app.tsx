/** The uploader: sign in with a token, then browse folders, upload, and finish interrupted uploads. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { describe, list, type Connection } from './api.js';
import { forgetToken, rememberedToken, rememberToken } from './remembered-token.js';
import { Workspace } from './workspace.js';

const TOKEN_KEY = 'tranche-token';

export interface AppProps {
  server: string;
  /** Given by an embedding page: no sign-in form. */
  token?: string | undefined;
  stallTimeoutMs: number;
}

export function App({ server, token, stallTimeoutMs }: AppProps) {
  const [conn, setConn] = useState<Connection | undefined>(() => {
    const saved = token ?? sessionStorage.getItem(TOKEN_KEY) ?? localStorage.getItem(TOKEN_KEY) ?? undefined;
    return saved ? { server, token: saved, stallTimeoutMs } : undefined;
  });
  const [checked, setChecked] = useState(conn !== undefined);
  useEffect(() => {
    if (conn) return;
    void rememberedToken().then((saved) => {
      if (saved) setConn({ server, token: saved, stallTimeoutMs });
      setChecked(true);
    });
  }, []);
  const signOut = (): void => {
    sessionStorage.removeItem(TOKEN_KEY);
    localStorage.removeItem(TOKEN_KEY);
    void forgetToken();
    setConn(undefined);
  };
  if (!conn && !checked) return null;
  if (!conn) return <SignIn server={server} stallTimeoutMs={stallTimeoutMs} onSignedIn={setConn} />;
  return <Workspace conn={conn} onSignOut={token ? undefined : signOut} />;
}

function SignIn({ server, stallTimeoutMs, onSignedIn }: { server: string; stallTimeoutMs: number; onSignedIn: (c: Connection) => void }) {
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const token = (form.elements.namedItem('token') as HTMLInputElement).value.trim();
    const remember = (form.elements.namedItem('remember') as HTMLInputElement).checked;
    if (!token) return setError('Enter a token.');
    setBusy(true);
    setError('');
    const conn = { server, token, stallTimeoutMs };
    try {
      await list(conn, '0');
      sessionStorage.setItem(TOKEN_KEY, token);
      if (remember) {
        localStorage.setItem(TOKEN_KEY, token);
        await rememberToken(token).catch(() => undefined);
      }
      onSignedIn(conn);
    } catch (e) {
      setError(`Sign-in failed: ${describe(e)}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="tr-main tr-signin" aria-labelledby="tr-signin-title">
      <h1 id="tr-signin-title">Tranche uploader</h1>
      <p>Sign in with an access token (<code>tranche token create --user NAME</code> prints one).</p>
      <form onSubmit={submit}>
        <label for="tr-token">Access token</label>
        <input id="tr-token" ref={input} name="token" type="password" autocomplete="current-password" required />
        <label class="tr-check">
          <input name="remember" type="checkbox" /> Remember me on this device
        </label>
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p role="alert" class="tr-error">
          {error}
        </p>
      </form>
    </main>
  );
}
