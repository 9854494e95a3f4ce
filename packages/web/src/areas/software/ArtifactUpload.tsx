/**
 * Upload an artifact to a module with a progress bar (percent and bytes) and a cancel button.
 * The file is streamed by the browser from disk (upload.ts); the server's refusal is shown in words.
 */
import { Button, Group, Input, Progress, Stack, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { ErrorNote } from '../../components/ErrorNote.js';
import { useSession } from '../../lib/session.js';
import { formatBytes } from './format.js';
import { PermissionButton } from '../../components/PermissionButton.js';
import { describeProgress, percentOf, uploadArtifact, UploadCancelled, type Upload, type UploadProgress, type UploadRequest } from './upload.js';

type State = { kind: 'idle' } | { kind: 'uploading'; progress: UploadProgress | undefined } | { kind: 'failed'; error: unknown };

export function ArtifactUpload({ moduleId, createRequest }: { moduleId: number; createRequest?: () => UploadRequest }) {
  const session = useSession();
  const queryClient = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const inputId = useId();
  // A new key empties the native input after an upload.
  const [inputKey, setInputKey] = useState(0);
  const [sha256, setSha256] = useState('');
  const [state, setState] = useState<State>({ kind: 'idle' });
  const current = useRef<Upload | undefined>(undefined);
  // Leaving the page cancels an upload still running.
  useEffect(() => () => current.current?.cancel(), []);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!file || state.kind === 'uploading') return;
    setState({ kind: 'uploading', progress: undefined });
    const upload = uploadArtifact({
      moduleId,
      file,
      token: session.token,
      ...(sha256.trim() ? { sha256 } : {}),
      onProgress: (progress) => setState({ kind: 'uploading', progress }),
      ...(createRequest ? { createRequest } : {}),
    });
    current.current = upload;
    try {
      const artifact = await upload.done;
      setState({ kind: 'idle' });
      setFile(null);
      setInputKey((k) => k + 1);
      setSha256('');
      notifications.show({ color: 'teal', message: `${artifact.providedFilename} uploaded (${formatBytes(artifact.size)}).` });
      await queryClient.invalidateQueries({ queryKey: ['softwaremodule', moduleId] });
    } catch (error) {
      if (error instanceof UploadCancelled) {
        setState({ kind: 'idle' });
        notifications.show({ color: 'gray', message: error.message });
      } else setState({ kind: 'failed', error });
    } finally {
      current.current = undefined;
    }
  }

  const uploading = state.kind === 'uploading';
  const progress = uploading ? state.progress : undefined;
  return (
    <form onSubmit={(e) => void submit(e)} aria-label="upload an artifact">
      <Stack gap="sm">
        <Group align="flex-end">
          {/* A native file input (not Mantine's FileInput, a button): labelled, keyboard- and drop-usable, and the File it gives is streamed from disk. */}
          <Input.Wrapper label="Artifact file" description={file ? formatBytes(file.size) : 'Any size the server accepts'} w={320} id={inputId}>
            <input
              key={inputKey}
              id={inputId}
              type="file"
              disabled={uploading}
              onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)}
              style={{ display: 'block', paddingTop: 6 }}
            />
          </Input.Wrapper>
          <TextInput
            label="Expected SHA-256 (optional)"
            description="The server refuses the file if its bytes differ."
            value={sha256}
            onChange={(e) => setSha256(e.currentTarget.value)}
            disabled={uploading}
            w={320}
          />
          <PermissionButton needs="CREATE_SOFTWARE_MODULE" type="submit" disabled={!file} loading={uploading}>
            Upload
          </PermissionButton>
          {uploading ? (
            <Button variant="default" color="red" onClick={() => current.current?.cancel()}>
              Cancel
            </Button>
          ) : null}
        </Group>
        {uploading ? (
          <div>
            <Progress
              value={percentOf(progress)}
              aria-label="upload progress"
              size="lg"
              striped
              animated={progress ? progress.loaded >= progress.total : true}
            />
            <Text size="sm" mt={4} aria-live="polite">
              {describeProgress(progress)}
            </Text>
          </div>
        ) : null}
        {state.kind === 'failed' ? <ErrorNote error={state.error} /> : null}
      </Stack>
    </form>
  );
}
