import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';

export function Notice({ error }: { error: string | undefined }) {
  return error === undefined ? null : <p class="notice" role="alert">{error}</p>;
}

export function Badge({ text }: { text: string }) {
  return <span class={`badge badge-${text}`}>{text}</span>;
}

export const when = (iso: string | number | null): string => (iso === null ? '' : new Date(iso).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' }));

/**
 * A modal confirmation (the native <dialog>): shows what will happen, optionally asks for a reason,
 * and runs `onConfirm`; its error stays in the dialog so the person sees why nothing changed.
 */
export function Confirm(props: {
  title: string; children: ComponentChildren; confirmLabel: string; reason?: 'optional' | 'required';
  onConfirm: (reason: string) => Promise<void>; onClose: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  useEffect(() => { ref.current?.showModal(); }, []);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      await props.onConfirm(reason);
      props.onClose();
    } catch (x) {
      setError((x as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <dialog ref={ref} class="confirm" onClose={props.onClose}>
      <form onSubmit={submit}>
        <h3>{props.title}</h3>
        <div>{props.children}</div>
        {props.reason && (
          <label>Reason{props.reason === 'required' ? '' : ' (optional)'}
            <input name="reason" value={reason} required={props.reason === 'required'} onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
          </label>
        )}
        <Notice error={error} />
        <div class="buttons">
          <button type="button" onClick={() => ref.current?.close()}>Cancel</button>
          <button type="submit" class="primary" disabled={busy}>{props.confirmLabel}</button>
        </div>
      </form>
    </dialog>
  );
}
