/**
 * A server-side table: TanStack Table for the model (manual paging and sorting), Mantine for the
 * look. The server pages, sorts and filters (hawkBit's offset/limit/sort/q); the console never holds
 * more than one page, however large the fleet.
 */
import { Alert, Group, Loader, Pagination, Select, Table, Text, UnstyledButton, VisuallyHidden } from '@mantine/core';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { flexRender, getCoreRowModel, useReactTable, type ColumnDef, type PaginationState, type SortingState } from '@tanstack/react-table';
import { useEffect, useState, type ReactNode } from 'react';
import { describeError } from '../lib/errors.js';

export interface PageRequest {
  offset: number;
  limit: number;
  /** hawkBit's `field:ASC` / `field:DESC`, or undefined for the server's order. */
  sort: string | undefined;
}

export interface Page<T> {
  content: T[];
  total: number;
}

export interface DataTableProps<T> {
  /** The query key; its first element is a live-channel root (lib/live.ts), e.g. ['targets', q]. */
  queryKey: readonly unknown[];
  fetchPage: (request: PageRequest) => Promise<Page<T>>;
  /** Column ids are the API's sort fields for sortable columns (`enableSorting: true`). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- TanStack Table's own idiom for columns of mixed value types
  columns: ColumnDef<T, any>[];
  /** What the table lists, for screen readers ("devices"). */
  caption: string;
  empty?: ReactNode;
  initialSort?: SortingState;
  pageSizes?: number[];
}

export function DataTable<T>({ queryKey, fetchPage, columns, caption, empty, initialSort = [], pageSizes = [25, 50, 100] }: DataTableProps<T>) {
  const [pagination, setPagination] = useState<PaginationState>({ pageIndex: 0, pageSize: pageSizes[0] ?? 25 });
  const [sorting, setSorting] = useState<SortingState>(initialSort);
  // A new filter starts again at the first page.
  const filterKey = JSON.stringify(queryKey);
  useEffect(() => setPagination((p) => (p.pageIndex === 0 ? p : { ...p, pageIndex: 0 })), [filterKey]);
  const first = sorting[0];
  const request: PageRequest = {
    offset: pagination.pageIndex * pagination.pageSize,
    limit: pagination.pageSize,
    sort: first ? `${first.id}:${first.desc ? 'DESC' : 'ASC'}` : undefined,
  };
  const query = useQuery({ queryKey: [...queryKey, request], queryFn: () => fetchPage(request), placeholderData: keepPreviousData });
  const total = query.data?.total ?? 0;

  const table = useReactTable<T>({
    data: query.data?.content ?? [],
    columns,
    getCoreRowModel: getCoreRowModel(),
    manualPagination: true,
    manualSorting: true,
    enableSortingRemoval: true,
    // Only columns the server can sort by say `enableSorting: true`.
    defaultColumn: { enableSorting: false },
    rowCount: total,
    state: { pagination, sorting },
    onPaginationChange: setPagination,
    onSortingChange: (updater) => {
      setSorting(updater);
      setPagination((p) => ({ ...p, pageIndex: 0 }));
    },
  });
  const pages = Math.max(1, Math.ceil(total / pagination.pageSize));

  return (
    <div>
      {query.error ? (
        <Alert color="red" title={describeError(query.error).title} mb="sm" role="alert">
          {describeError(query.error).message}
        </Alert>
      ) : null}
      <Table.ScrollContainer minWidth={600}>
        <Table striped highlightOnHover aria-busy={query.isFetching}>
          <VisuallyHidden component="caption">{caption}</VisuallyHidden>
          <Table.Thead>
            {table.getHeaderGroups().map((group) => (
              <Table.Tr key={group.id}>
                {group.headers.map((header) => {
                  const sorted = header.column.getIsSorted();
                  const label = flexRender(header.column.columnDef.header, header.getContext());
                  return (
                    <Table.Th key={header.id} aria-sort={sorted === 'asc' ? 'ascending' : sorted === 'desc' ? 'descending' : undefined}>
                      {header.column.getCanSort() ? (
                        <UnstyledButton onClick={header.column.getToggleSortingHandler()} fw={600} fz="sm">
                          {label} {sorted === 'asc' ? '▲' : sorted === 'desc' ? '▼' : ''}
                        </UnstyledButton>
                      ) : (
                        label
                      )}
                    </Table.Th>
                  );
                })}
              </Table.Tr>
            ))}
          </Table.Thead>
          <Table.Tbody>
            {table.getRowModel().rows.map((row) => (
              <Table.Tr key={row.id}>
                {row.getVisibleCells().map((cell) => (
                  <Table.Td key={cell.id}>{flexRender(cell.column.columnDef.cell, cell.getContext())}</Table.Td>
                ))}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {query.isPending ? (
        <Group justify="center" p="md">
          <Loader size="sm" aria-label={`loading ${caption}`} />
        </Group>
      ) : total === 0 ? (
        <Text c="dimmed" p="md">
          {empty ?? `No ${caption}.`}
        </Text>
      ) : null}
      <Group justify="space-between" mt="sm">
        <Text size="sm" c="dimmed" aria-live="polite">
          {total === 0 ? '' : `${request.offset + 1}–${Math.min(request.offset + request.limit, total)} of ${total.toLocaleString()} ${caption}`}
        </Text>
        <Group>
          <Select
            aria-label="rows per page"
            size="xs"
            w={90}
            data={pageSizes.map(String)}
            value={String(pagination.pageSize)}
            onChange={(v) => v && setPagination({ pageIndex: 0, pageSize: Number(v) })}
            allowDeselect={false}
          />
          <Pagination
            size="sm"
            total={pages}
            value={pagination.pageIndex + 1}
            onChange={(p) => setPagination((s) => ({ ...s, pageIndex: p - 1 }))}
            getControlProps={(control) => ({ 'aria-label': `${control} page` })}
            getItemProps={(page) => ({ 'aria-label': `page ${page}` })}
          />
        </Group>
      </Group>
    </div>
  );
}
