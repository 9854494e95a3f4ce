/**
 * A Select / MultiSelect whose options come from the server, searched as the user types (never
 * the whole list: a tenant may hold thousands of modules). The chosen options are kept so their
 * labels stay shown whatever the current search returns.
 */
import { Loader, MultiSelect, Select } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';

export interface Option {
  value: string;
  label: string;
}

interface Common {
  label: string;
  description?: string;
  placeholder?: string;
  error?: string | undefined;
  required?: boolean;
  /** The query key's root, a live-channel root (lib/live.ts), e.g. 'softwaremodules'. */
  queryRoot: string;
  search: (text: string) => Promise<Option[]>;
}

const noFilter = ({ options }: { options: unknown[] }) => options;
/**
 * Mantine 9 keeps a closed dropdown in the DOM; its listbox is labelled like the input, so "the
 * field labelled Type" would name two elements. Unmounted when closed, the label names the input.
 */
const comboboxProps = { keepMounted: false };

function useOptions(queryRoot: string, search: (text: string) => Promise<Option[]>, text: string) {
  const [debounced] = useDebouncedValue(text, 250);
  return useQuery({ queryKey: [queryRoot, 'options', debounced], queryFn: () => search(debounced), placeholderData: keepPreviousData });
}

export function RemoteSelect({
  value,
  onChange,
  ...props
}: Common & { value: string | null; onChange: (value: string | null, option: Option | null) => void }) {
  const [text, setText] = useState('');
  const [chosen, setChosen] = useState<Option | null>(null);
  const options = useOptions(props.queryRoot, props.search, text);
  const data = [...(chosen && !options.data?.some((o) => o.value === chosen.value) ? [chosen] : []), ...(options.data ?? [])];
  return (
    <Select
      label={props.label}
      description={props.description}
      placeholder={props.placeholder}
      error={props.error}
      required={props.required}
      searchable
      clearable
      comboboxProps={comboboxProps}
      data={data}
      filter={noFilter as never}
      value={value}
      searchValue={text}
      onSearchChange={setText}
      onChange={(v, option) => {
        const picked = option ? { value: String(option.value), label: option.label } : null;
        setChosen(picked);
        onChange(v, picked);
      }}
      nothingFoundMessage={options.isFetching ? 'Searching…' : 'Nothing found'}
      rightSection={options.isFetching ? <Loader size="xs" aria-label={`loading ${props.label}`} /> : undefined}
    />
  );
}

export function RemoteMultiSelect({ value, onChange, ...props }: Common & { value: Option[]; onChange: (value: Option[]) => void }) {
  const [text, setText] = useState('');
  const options = useOptions(props.queryRoot, props.search, text);
  const known = new Map(value.map((o) => [o.value, o]));
  for (const o of options.data ?? []) known.set(o.value, o);
  return (
    <MultiSelect
      label={props.label}
      description={props.description}
      placeholder={props.placeholder}
      error={props.error}
      required={props.required}
      searchable
      clearable
      comboboxProps={comboboxProps}
      data={[...known.values()]}
      filter={noFilter as never}
      value={value.map((o) => o.value)}
      searchValue={text}
      onSearchChange={setText}
      onChange={(values) => onChange(values.map((v) => known.get(v) ?? { value: v, label: v }))}
      nothingFoundMessage={options.isFetching ? 'Searching…' : 'Nothing found'}
    />
  );
}
