/** A list's free-text search: what the user types, debounced, as the RSQL the list asks the server with. */
import { TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useState } from 'react';
import { searchQuery } from './format.js';

export function useSearch(fields: readonly string[]): { text: string; setText: (t: string) => void; q: string | undefined } {
  const [text, setText] = useState('');
  const [debounced] = useDebouncedValue(text, 300);
  return { text, setText, q: searchQuery(debounced, fields) };
}

export function SearchBox({ label, text, setText, description }: { label: string; text: string; setText: (t: string) => void; description?: string }) {
  return <TextInput label={label} description={description} value={text} onChange={(e) => setText(e.currentTarget.value)} type="search" maw={420} mb="sm" />;
}
