/** TUF metadata pasted or loaded from a file (small JSON documents), checked to be JSON before sending. */
import { FileButton, Group, JsonInput, Button } from '@mantine/core';

export function JsonField({
  label,
  description,
  value,
  onChange,
  error,
  required,
}: {
  label: string;
  description?: string;
  value: string;
  onChange: (v: string) => void;
  error?: string | undefined;
  required?: boolean;
}) {
  return (
    <div>
      {/* No formatOnBlur: reformatting grows the field while the pointer is down on the button below it, and the click misses. */}
      <JsonInput
        label={label}
        description={description}
        value={value}
        onChange={onChange}
        error={error}
        required={required}
        autosize
        minRows={4}
        maxRows={12}
        validationError="Not valid JSON"
      />
      <Group mt={4}>
        <FileButton accept="application/json,.json" onChange={(file) => void file?.text().then(onChange)}>
          {(props) => (
            <Button {...props} size="compact-xs" variant="subtle">
              {`Load ${label.toLowerCase()} from a file`}
            </Button>
          )}
        </FileButton>
      </Group>
    </div>
  );
}

/** The JSON object in a field, or the words of what is wrong with it. */
export function parseJsonObject(text: string, what: string): { value?: Record<string, unknown>; error?: string } {
  if (text.trim() === '') return { error: `Paste or load the ${what}.` };
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      return { error: `The ${what} must be a JSON object ({ "signed": …, "signatures": … }).` };
    return { value: value as Record<string, unknown> };
  } catch {
    return { error: `The ${what} is not valid JSON.` };
  }
}

/** Save JSON the server sent (metadata to sign offline) as a file. */
export function saveJson(name: string, value: unknown) {
  const url = URL.createObjectURL(new Blob([typeof value === 'string' ? value : JSON.stringify(value, null, 2)], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  URL.revokeObjectURL(url);
}
