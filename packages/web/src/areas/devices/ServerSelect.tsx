/**
 * A Select whose options come from the server as the user types (never the whole list): the
 * search text becomes `q` (name contains …), at most 20 options per answer.
 */
import { Loader, Select, type SelectProps } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { describeError } from '../../lib/errors.js';

export interface ServerOption {
  value: string;
  label: string;
  /** What the caller needs of the chosen option besides its value (a filter's query). */
  detail?: string;
}

export interface ServerSelectProps extends Omit<SelectProps, 'data' | 'searchValue' | 'onSearchChange' | 'onChange'> {
  /** The query key's first elements (a live root, e.g. ['distributionsets', 'options']). */
  queryKey: readonly unknown[];
  search: (text: string) => Promise<ServerOption[]>;
  onChange: (value: string | null, option: ServerOption | undefined) => void;
}

export function ServerSelect({ queryKey, search, onChange, ...props }: ServerSelectProps) {
  const [text, setText] = useState('');
  const [debounced] = useDebouncedValue(text, 250);
  const [chosen, setChosen] = useState<ServerOption | undefined>();
  // Typing the chosen option's label again is not a new search.
  const term = chosen && debounced === chosen.label ? '' : debounced.trim();
  const query = useQuery({ queryKey: [...queryKey, term], queryFn: () => search(term), placeholderData: keepPreviousData });
  const options = query.data ?? [];
  const data = chosen && !options.some((o) => o.value === chosen.value) ? [chosen, ...options] : options;
  return (
    <Select
      searchable
      clearable
      {...props}
      data={data.map(({ value, label }) => ({ value, label }))}
      // The server filtered already.
      filter={({ options: all }) => all}
      searchValue={text}
      onSearchChange={setText}
      nothingFoundMessage={query.isFetching ? 'Searching…' : 'Nothing found'}
      rightSection={query.isFetching ? <Loader size="xs" aria-label="searching" /> : undefined}
      error={query.error ? describeError(query.error).message : props.error}
      onChange={(value) => {
        const option = data.find((o) => o.value === value);
        setChosen(option);
        onChange(value, option);
      }}
    />
  );
}
