/**
 * A distribution set chosen by typing part of its name: the server searches (never the whole
 * catalogue in the browser); the chosen set stays shown whatever is typed next.
 */
import { Loader, Select } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { describeError } from '../../lib/errors.js';
import { useSession } from '../../lib/session.js';
import { searchSets, type SetOption } from './queries.js';

export interface DistributionSetSelectProps {
  label: string;
  value: string | null;
  onChange: (value: string | null, label: string | undefined) => void;
  error?: string | undefined;
  description?: string;
  clearable?: boolean;
  required?: boolean;
}

export function DistributionSetSelect({ label, value, onChange, error, description, clearable, required }: DistributionSetSelectProps) {
  const session = useSession();
  const [search, setSearch] = useState('');
  const [chosen, setChosen] = useState<SetOption | undefined>();
  const [term] = useDebouncedValue(search, 300);
  // While a chosen set is shown, its label is the search text: list all sets then, not only it.
  const asked = chosen && term === chosen.label ? '' : term;
  const query = useQuery({
    queryKey: ['distributionsets', 'search', asked],
    queryFn: () => searchSets(session.api, asked),
    placeholderData: keepPreviousData,
  });
  const options = [...(query.data ?? [])];
  if (chosen && !options.some((o) => o.value === chosen.value)) options.unshift(chosen);
  return (
    <Select
      label={label}
      description={description}
      placeholder="Type to search by name"
      searchable
      clearable={clearable}
      required={required}
      data={options}
      value={value}
      searchValue={search}
      onSearchChange={setSearch}
      onChange={(v, option) => {
        setChosen(option ? { value: option.value, label: option.label } : undefined);
        onChange(v, option?.label);
      }}
      filter={({ options: all }) => all}
      nothingFoundMessage={query.isFetching ? 'Searching…' : 'No distribution set has such a name.'}
      rightSection={query.isFetching ? <Loader size="xs" aria-label="searching" /> : undefined}
      error={error ?? (query.error ? describeError(query.error).message : undefined)}
    />
  );
}
